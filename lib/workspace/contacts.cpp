#include "workspace/contacts.hpp"

#include "core/clock.hpp"
#include "db/row.hpp"
#include "db/store.hpp"
#include "workspace/kinds.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace agentd::workspace {
namespace json = boost::json;
namespace {

void append_tags(json::object& values, const json::value& current, const std::vector<std::string>& more) {
  if (more.empty()) return;
  json::array tags = values.contains("tags") && values.at("tags").is_array() ? values.at("tags").as_array()
                     : current.is_array()                                   ? current.as_array()
                                                                            : json::array{};
  for (const auto& t : more)
    if (std::find(tags.begin(), tags.end(), json::value(t)) == tags.end()) tags.emplace_back(t);
  values["tags"] = std::move(tags);
}

void log_change(db::Conn& conn, std::int64_t org_id, const std::string& id, const char* event, const json::object& fields,
                double now) {
  auto& q = conn.prepare(
      "INSERT INTO contact_changes (org_id, contact_id, event, fields, created_unix, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  db::bind_all(q, org_id, id, std::string(event), json::serialize(fields), now, iso8601_unix(now));
  q.exec();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

db::Record create_contact(db::Conn& conn, std::int64_t org_id, json::object values, const std::vector<std::string>& tags_append,
                          double now) {
  append_tags(values, nullptr, tags_append);
  db::Record r = db::insert(conn, contact_kind(), org_id, "", values, now);
  log_change(conn, org_id, std::string(r.at("id").as_string()), "created", values, now);
  return r;
}

std::optional<db::Record> update_contact(db::Conn& conn, std::int64_t org_id, const std::string& id, json::object values,
                                         const std::vector<std::string>& tags_append, double now) {
  auto before = db::find(conn, contact_kind(), org_id, id);
  if (!before) return std::nullopt;
  append_tags(values, before->at("tags"), tags_append);
  auto after = db::update(conn, contact_kind(), org_id, id, values, now);
  if (!after) return std::nullopt;
  json::object changed;
  for (const auto& kv : values)
    if (before->at(kv.key()) != after->at(kv.key())) changed[kv.key()] = after->at(kv.key());
  if (!changed.empty()) log_change(conn, org_id, id, "updated", changed, now);
  return after;
}

FoundOrCreated find_or_create_contact(db::Conn& conn, std::int64_t org_id, const json::object& values, double now) {
  const json::value* email = values.if_contains("email");
  const bool by_email = email && email->is_string();
  auto& q = conn.prepare(by_email ? "SELECT id FROM contacts WHERE org_id = ? AND lower(email) = ? ORDER BY created_unix LIMIT 1"
                                  : "SELECT id FROM contacts WHERE org_id = ? AND name = ? ORDER BY created_unix LIMIT 1");
  db::bind_all(q, org_id, by_email ? lower(std::string(email->as_string())) : std::string(values.at("name").as_string()));
  if (q.executeStep()) {
    const std::string id = q.getColumn(0).getString();
    q.reset();
    return {*db::find(conn, contact_kind(), org_id, id), false};
  }
  q.reset();
  return {create_contact(conn, org_id, values, {}, now), true};
}

std::optional<db::Record> set_contact_property(db::Conn& conn, std::int64_t org_id, const std::string& id,
                                               const std::string& key, const json::value& value, double now) {
  auto current = db::find(conn, contact_kind(), org_id, id);
  if (!current) return std::nullopt;
  json::object properties = current->at("properties").is_object() ? current->at("properties").as_object() : json::object{};
  properties[key] = value;
  return update_contact(conn, org_id, id, {{"properties", std::move(properties)}}, {}, now);
}

Timeline contact_timeline(db::Conn& conn, std::int64_t org_id, const std::string& id, std::int64_t offset, std::int64_t limit) {
  const std::string entries =
      "SELECT 'activity' AS kind, id, type, description, meta, created_at, created_unix, rowid AS seq "
      "FROM contact_activities WHERE contact_id = ?1 AND org_id = ?2 "
      "UNION ALL SELECT 'change', 'chg_' || id, event, NULL, fields, created_at, created_unix, id "
      "FROM contact_changes WHERE contact_id = ?1 AND org_id = ?2";
  Timeline t;
  auto& count = conn.prepare("SELECT count(*) FROM (" + entries + ")");
  db::bind_all(count, id, org_id);
  count.executeStep();
  t.total = count.getColumn(0).getInt64();
  auto& q = conn.prepare(entries + " ORDER BY created_unix DESC, kind DESC, seq DESC LIMIT ?3 OFFSET ?4");
  db::bind_all(q, id, org_id, limit, offset);
  while (q.executeStep()) {
    const std::string kind = q.getColumn(0).getString();
    json::object e{{"kind", kind}, {"id", q.getColumn(1).getString()}};
    json::error_code ec;
    json::value data = json::parse(q.getColumn(4).getString(), ec);
    if (kind == "activity") {
      e["type"] = q.getColumn(2).getString();
      e["description"] = q.getColumn(3).isNull() ? json::value(nullptr) : json::value(q.getColumn(3).getString());
      e["meta"] = ec ? json::value(json::object{}) : data;
    } else {
      e["event"] = q.getColumn(2).getString();
      e["changes"] = ec ? json::value(json::object{}) : data;
    }
    e["createdAt"] = q.getColumn(5).getString();
    t.entries.push_back(std::move(e));
  }
  return t;
}

}  // namespace agentd::workspace

#include "db/records.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/terms.hpp"
#include "db/row.hpp"
#include "db/store.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace agentd::db {
namespace json = boost::json;
namespace {

bool valid_date(const std::string& s) {
  int y = 0, m = 0, d = 0, n = 0;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10) return false;
  double t = 0;
  // A day the calendar has: it reads back as itself.
  return parse_iso8601(s, t) && iso8601_unix(t).substr(0, 10) == s;
}

bool valid_email(const std::string& s) {
  const auto at = s.find('@');
  if (at == std::string::npos || at == 0 || s.find('@', at + 1) != std::string::npos) return false;
  const std::string domain = s.substr(at + 1);
  const auto dot = domain.find('.');
  if (dot == std::string::npos || dot == 0 || domain.back() == '.') return false;
  return std::none_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) || c < 0x20; });
}

bool valid_url(const std::string& s) {
  for (std::string_view scheme : {"http://", "https://"})
    if (s.size() > scheme.size() && s.compare(0, scheme.size(), scheme) == 0)
      return std::none_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
  return false;
}

bool blank(const json::value& v) {
  return v.is_null() || (v.is_string() && v.as_string().find_first_not_of(" \t\r\n") == std::string::npos) ||
         (v.is_array() && v.as_array().empty());
}

json::object bounds(const Field& f, const char* of) {
  json::object p{{"of", of}};
  if (f.min) p["min"] = *f.min;
  if (f.max) p["max"] = *f.max;
  return p;
}

// The violations of one present, non-null value; the value to store when there are none.
json::value check_value(const Field& f, const json::value& v, std::vector<Violation>& out) {
  auto violate = [&](std::string rule, json::object params = {}, std::string field = {}) {
    out.push_back({field.empty() ? f.name : std::move(field), std::move(rule), std::move(params)});
    return json::value(nullptr);
  };
  auto in_values = [&](const std::string& s) {
    return f.values.empty() || std::find(f.values.begin(), f.values.end(), s) != f.values.end();
  };
  switch (f.type) {
    case FieldType::text:
    case FieldType::email:
    case FieldType::url:
    case FieldType::date:
    case FieldType::datetime: {
      if (!v.is_string()) return violate("string");
      std::string s(v.as_string());
      const std::size_t n = utf8_length(s);
      if (f.min && n < *f.min) return violate("min", bounds(f, "string"));
      if (f.max && n > *f.max) return violate("max", bounds(f, "string"));
      if (!in_values(s)) return violate("in");
      if (f.type == FieldType::email && !valid_email(s)) return violate("email");
      if (f.type == FieldType::url && !valid_url(s)) return violate("url");
      if (f.type == FieldType::date && !valid_date(s)) return violate("date_format", {{"format", "Y-m-d"}});
      if (f.type == FieldType::datetime) {
        auto normal = normalize_datetime(s);
        if (!normal) return violate("date");
        s = *normal;
      }
      return json::value(s);
    }
    case FieldType::integer:
    case FieldType::number: {
      const bool integral = v.is_int64() || v.is_uint64() || (v.is_double() && v.as_double() == static_cast<double>(static_cast<std::int64_t>(v.as_double())));
      if (!v.is_number()) return violate(f.type == FieldType::integer ? "integer" : "numeric");
      if (f.type == FieldType::integer && !integral) return violate("integer");
      const double d = v.to_number<double>();
      if ((f.min && d < *f.min) || (f.max && d > *f.max)) {
        if (f.min && f.max) return violate("between", bounds(f, "numeric"));
        return violate(f.min && d < *f.min ? "min" : "max", bounds(f, "numeric"));
      }
      if (f.type == FieldType::integer) return json::value(static_cast<std::int64_t>(d));
      return json::value(d);
    }
    case FieldType::boolean:
      if (v.is_bool()) return v;
      if (v.is_int64() && (v.as_int64() == 0 || v.as_int64() == 1)) return json::value(v.as_int64() == 1);
      return violate("boolean");
    case FieldType::strings: {
      if (!v.is_array()) return violate("array");
      json::array kept;
      const std::size_t before = out.size();
      for (std::size_t i = 0; i < v.as_array().size(); ++i) {
        const auto& e = v.as_array()[i];
        const std::string at = f.name + "." + std::to_string(i);
        if (!e.is_string()) violate("string", {}, at);
        else if (f.max && utf8_length(e.as_string()) > *f.max) violate("max", bounds(f, "string"), at);
        else if (!in_values(std::string(e.as_string()))) violate("in", {}, at);
        else kept.push_back(e);
      }
      return out.size() == before ? json::value(std::move(kept)) : json::value(nullptr);
    }
    case FieldType::object:
      if (!v.is_object()) return violate("array");
      return v;
    case FieldType::value: return v;
  }
  return v;
}

bool stored_as_json(FieldType t) { return t == FieldType::strings || t == FieldType::object || t == FieldType::value; }

void bind_value(SQLite::Statement& q, int index, const Field& f, const json::value& v) {
  if (v.is_null()) {
    q.bind(index);
    return;
  }
  if (stored_as_json(f.type)) q.bind(index, json::serialize(v));
  else if (f.type == FieldType::integer) q.bind(index, v.to_number<std::int64_t>());
  else if (f.type == FieldType::number) q.bind(index, v.to_number<double>());
  else if (f.type == FieldType::boolean) q.bind(index, v.as_bool() ? 1 : 0);
  else q.bind(index, std::string(v.as_string()));
}

json::value read_value(const Field& f, const SQLite::Column& c) {
  if (c.isNull()) return nullptr;
  if (stored_as_json(f.type)) {
    json::error_code ec;
    json::value v = json::parse(c.getString(), ec);
    return ec ? json::value(nullptr) : v;
  }
  if (f.type == FieldType::integer) return c.getInt64();
  if (f.type == FieldType::number) return c.getDouble();
  if (f.type == FieldType::boolean) return c.getInt() != 0;
  return json::value(c.getString());
}

std::string columns(const Kind& kind) {
  std::string out = "id";
  for (const auto& f : kind.fields) out += ", " + f.column;
  return out + ", created_at, updated_at";
}

Record read_record(const Kind& kind, SQLite::Statement& q) {
  Record r;
  r["id"] = q.getColumn(0).getString();
  int i = 1;
  for (const auto& f : kind.fields) r[f.name] = read_value(f, q.getColumn(i++));
  r["createdAt"] = q.getColumn(i++).getString();
  r["updatedAt"] = q.getColumn(i).getString();
  return r;
}

}  // namespace

const Field* Kind::field(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::optional<std::string> normalize_datetime(const std::string& text) {
  double t = 0;
  if (!parse_iso8601(text, t)) return std::nullopt;
  return iso8601_unix(t);
}

json::object check(const Kind& kind, const json::object& body, bool partial) {
  std::vector<Violation> violations;
  json::object values;
  for (const auto& f : kind.fields) {
    const json::value* v = f.read_only ? nullptr : body.if_contains(f.name);
    if (!v) {
      if (!partial && f.required) violations.push_back({f.name, "required", {}});
      continue;
    }
    if (blank(*v)) {
      if (f.required) violations.push_back({f.name, "required", {}});
      else values[f.name] = f.fallback;  // cleared: back to the default
      continue;
    }
    json::value checked = check_value(f, *v, violations);
    if (!checked.is_null()) values[f.name] = std::move(checked);
  }
  if (!violations.empty()) {
    throw invalid_fields(std::move(violations));
  }
  return values;
}

Record insert(Conn& conn, const Kind& kind, std::int64_t org_id, const std::string& owner, const json::object& values,
              double now) {
  std::string sql = "INSERT INTO " + kind.table + " (id, org_id";
  std::string marks = "?, ?";
  if (!kind.owner.empty()) {
    sql += ", " + kind.owner;
    marks += ", ?";
  }
  for (const auto& f : kind.fields) {
    sql += ", " + f.column;
    marks += ", ?";
  }
  sql += ", created_unix, created_at, updated_at) VALUES (" + marks + ", ?, ?, ?)";
  auto& q = conn.prepare(sql);
  const std::string id = kind.id_prefix + random_hex(16);
  int i = 0;
  q.bind(++i, id);
  q.bind(++i, org_id);
  if (!kind.owner.empty()) q.bind(++i, owner);
  for (const auto& f : kind.fields) {
    const json::value* v = values.if_contains(f.name);
    bind_value(q, ++i, f, v ? *v : f.fallback);
  }
  const std::string at = iso8601_unix(now);
  q.bind(++i, now);
  q.bind(++i, at);
  q.bind(++i, at);
  q.exec();
  Record r = *find(conn, kind, org_id, id);
  if (kind.on_insert) kind.on_insert(conn, org_id, r, now);
  return r;
}

std::optional<Record> find(Conn& conn, const Kind& kind, std::int64_t org_id, const std::string& id) {
  auto& q = conn.prepare("SELECT " + columns(kind) + " FROM " + kind.table + " WHERE id = ? AND org_id = ?");
  bind_all(q, id, org_id);
  if (!q.executeStep()) return std::nullopt;
  return read_record(kind, q);
}

std::optional<std::string> owner_of(Conn& conn, const Kind& kind, std::int64_t org_id, const std::string& id) {
  auto& q = conn.prepare("SELECT " + kind.owner + " FROM " + kind.table + " WHERE id = ? AND org_id = ?");
  bind_all(q, id, org_id);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

std::optional<Record> update(Conn& conn, const Kind& kind, std::int64_t org_id, const std::string& id,
                             const json::object& values, double now) {
  std::string sql = "UPDATE " + kind.table + " SET updated_at = ?";
  std::vector<const Field*> set;
  for (const auto& f : kind.fields)
    if (values.contains(f.name)) {
      sql += ", " + f.column + " = ?";
      set.push_back(&f);
    }
  sql += " WHERE id = ? AND org_id = ?";
  auto& q = conn.prepare(sql);
  int i = 0;
  q.bind(++i, iso8601_unix(now));
  for (const auto* f : set) bind_value(q, ++i, *f, values.at(f->name));
  q.bind(++i, id);
  q.bind(++i, org_id);
  if (q.exec() == 0) return std::nullopt;
  return find(conn, kind, org_id, id);
}

bool remove(Conn& conn, const Kind& kind, std::int64_t org_id, const std::string& id) {
  auto& q = conn.prepare("DELETE FROM " + kind.table + " WHERE id = ? AND org_id = ?");
  bind_all(q, id, org_id);
  return q.exec() > 0;
}

std::vector<std::string> existing(Conn& conn, const Kind& kind, std::int64_t org_id, const std::vector<std::string>& ids) {
  std::vector<std::string> found;
  auto& q = conn.prepare("SELECT 1 FROM " + kind.table + " WHERE id = ? AND org_id = ?");
  for (const auto& id : ids) {
    q.reset();
    bind_all(q, id, org_id);
    if (q.executeStep()) found.push_back(id);
  }
  return found;
}

Page list(Conn& conn, const Kind& kind, std::int64_t org_id, const Query& query) {
  // A search starts from its hits (the unary + keeps the organization's index out of the plan,
  // which would otherwise walk every record of the organization to test each against them).
  const bool searching = !query.search.empty() && !kind.search_table.empty();
  std::string where = searching ? " WHERE +org_id = ?" : " WHERE org_id = ?";
  if (!query.owner.empty()) where += " AND " + kind.owner + " = ?";
  std::vector<std::pair<const Field*, const json::value*>> equal;
  for (const auto& [name, value] : query.equal)
    if (const Field* f = kind.field(name)) {
      where += " AND " + f->column + " = ?";
      equal.emplace_back(f, &value);
    }
  // Three characters or more use the trigram index: a phrase of trigrams is a substring match
  // (case-insensitive) that needs no second look at the text, as LIKE would. Shorter ones scan.
  std::string needle;
  if (searching) {
    if (utf8_length(query.search) >= 3) {
      where += " AND rowid IN (SELECT rowid FROM " + kind.search_table + " WHERE " + kind.search_table + " MATCH ?)";
      needle = "\"";
      for (char c : query.search) needle += c == '"' ? std::string("\"\"") : std::string(1, c);
      needle += "\"";
    } else {
      where += " AND rowid IN (SELECT rowid FROM " + kind.search_table + " WHERE instr(lower(text), ?) > 0)";
      needle = query.search;
      for (auto& c : needle) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!query.where.empty()) where += " AND (" + query.where + ")";
  auto bind = [&](SQLite::Statement& q) {
    int i = 0;
    q.bind(++i, org_id);
    if (!query.owner.empty()) q.bind(++i, query.owner);
    for (const auto& [f, v] : equal) bind_value(q, ++i, *f, *v);
    if (!needle.empty()) q.bind(++i, needle);
    for (const auto& a : query.args) q.bind(++i, a);
    return i;
  };
  Page page;
  {
    auto& q = conn.prepare("SELECT count(*) FROM " + kind.table + where);
    bind(q);
    q.executeStep();
    page.total = q.getColumn(0).getInt64();
  }
  // Newest first is rowid order too: a search walks its hits backwards and stops at the page,
  // where sorting them by created_unix would read every hit.
  const std::string order = searching && query.order == Query{}.order ? "rowid DESC" : query.order;
  auto& q = conn.prepare("SELECT " + columns(kind) + " FROM " + kind.table + where + " ORDER BY " + order +
                         " LIMIT ? OFFSET ?");
  int i = bind(q);
  q.bind(++i, query.limit);
  q.bind(++i, query.offset);
  while (q.executeStep()) page.records.push_back(read_record(kind, q));
  return page;
}

}  // namespace agentd::db

#include "content/content_items.hpp"

#include "core/clock.hpp"
#include "db/row.hpp"
#include "db/store.hpp"

#include <boost/json.hpp>

namespace agentd::content {
namespace json = boost::json;
namespace {

const std::string kSelect =
    "SELECT c.id, c.org_id, c.user_id, o.slug, c.content_type, c.status, c.prompt, c.model, c.input, c.replicate_version, "
    "c.replicate_prediction_id, c.replicate_input, c.output_url, c.storage_path, c.error_message, c.retry_count, "
    "c.max_retries, c.credit_cost_micros, c.processing_time_ms, c.created_at, c.started_at, c.completed_at, "
    "COALESCE(c.reservation_id, ''), c.created_unix FROM content_items c JOIN organizations o ON o.id = c.org_id ";

json::object object_of(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  return !ec && v.is_object() ? std::move(v.as_object()) : json::object{};
}

ContentItem read_item(SQLite::Statement& q) {
  ContentItem c;
  int i = 0;
  c.id = q.getColumn(i++).getString();
  c.org_id = q.getColumn(i++).getInt64();
  c.user_id = q.getColumn(i++).getInt64();
  c.org_slug = q.getColumn(i++).getString();
  c.content_type = q.getColumn(i++).getString();
  c.status = q.getColumn(i++).getString();
  c.prompt = q.getColumn(i++).getString();
  c.model = q.getColumn(i++).getString();
  c.input = object_of(q.getColumn(i++).getString());
  c.replicate_version = db::nullable<std::string>(q.getColumn(i++));
  c.replicate_prediction_id = db::nullable<std::string>(q.getColumn(i++));
  if (auto r = db::nullable<std::string>(q.getColumn(i++))) c.replicate_input = object_of(*r);
  c.output_url = db::nullable<std::string>(q.getColumn(i++));
  c.storage_path = db::nullable<std::string>(q.getColumn(i++));
  c.error_message = db::nullable<std::string>(q.getColumn(i++));
  c.retry_count = q.getColumn(i++).getInt();
  c.max_retries = q.getColumn(i++).getInt();
  c.credit_cost = db::nullable<std::int64_t>(q.getColumn(i++));
  c.processing_time_ms = db::nullable<std::int64_t>(q.getColumn(i++));
  c.created_at = q.getColumn(i++).getString();
  c.started_at = db::nullable<std::string>(q.getColumn(i++));
  c.completed_at = db::nullable<std::string>(q.getColumn(i++));
  c.reservation_id = q.getColumn(i++).getString();
  c.created_unix = q.getColumn(i).getDouble();
  return c;
}

std::optional<ContentItem> one(SQLite::Statement& q) {
  if (!q.executeStep()) return std::nullopt;
  return read_item(q);
}

double unix_of(const std::optional<std::string>& iso) {
  double t = 0;
  if (iso) parse_iso8601(*iso, t);
  return t;
}

}  // namespace

void insert_item(db::Conn& conn, const ContentItem& c) {
  auto& q = conn.prepare(
      "INSERT INTO content_items (id, org_id, user_id, content_type, status, prompt, model, input, replicate_version, "
      "replicate_input, max_retries, reservation_id, created_unix, created_at) "
      "VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  db::bind_all(q, c.id, c.org_id, c.user_id, c.content_type, c.prompt, c.model, json::serialize(c.input), c.replicate_version,
               c.replicate_input ? std::optional<std::string>(json::serialize(*c.replicate_input)) : std::nullopt,
               c.max_retries, c.reservation_id, c.created_unix, c.created_at);
  q.exec();
}

std::optional<ContentItem> find_item(db::Conn& conn, std::int64_t org_id, const std::string& id) {
  auto& q = conn.prepare(kSelect + "WHERE c.id = ? AND c.org_id = ?");
  db::bind_all(q, id, org_id);
  return one(q);
}

std::optional<ContentItem> find_item(db::Conn& conn, const std::string& id) {
  auto& q = conn.prepare(kSelect + "WHERE c.id = ?");
  db::bind_all(q, id);
  return one(q);
}

ItemPage list_items(db::Conn& conn, std::int64_t org_id, const std::string& content_type, const std::string& status,
                    std::int64_t offset, std::int64_t limit) {
  const std::string where = "WHERE c.org_id = ?1 AND (?2 = '' OR c.content_type = ?2) AND (?3 = '' OR c.status = ?3) ";
  ItemPage page;
  auto& count = conn.prepare("SELECT count(*) FROM content_items c " + where);
  db::bind_all(count, org_id, content_type, status);
  count.executeStep();
  page.total = count.getColumn(0).getInt64();
  auto& q = conn.prepare(kSelect + where + "ORDER BY c.created_unix DESC, c.rowid DESC LIMIT ?4 OFFSET ?5");
  db::bind_all(q, org_id, content_type, status, limit, offset);
  while (q.executeStep()) page.items.push_back(read_item(q));
  return page;
}

bool start_item(db::Conn& conn, const std::string& id, double now) {
  auto& q = conn.prepare("UPDATE content_items SET status = 'processing', started_at = ? WHERE id = ? AND status = 'pending'");
  db::bind_all(q, iso8601_unix(now), id);
  if (q.exec() > 0) return true;
  // A job resumed after a restart finds its item still processing: it goes on.
  auto& again = conn.prepare("SELECT 1 FROM content_items WHERE id = ? AND status = 'processing'");
  db::bind_all(again, id);
  return again.executeStep();
}

void record_prediction(db::Conn& conn, const std::string& id, const std::string& prediction_id, const std::string& version) {
  auto& q = conn.prepare(
      "UPDATE content_items SET replicate_prediction_id = ?, replicate_version = coalesce(nullif(?, ''), replicate_version) "
      "WHERE id = ?");
  db::bind_all(q, prediction_id, version, id);
  q.exec();
}

void complete_item(db::Conn& conn, const ContentItem& item, const std::string& storage_path,
                   const std::optional<std::string>& output_url, Micros cost, double now) {
  const auto started = unix_of(item.started_at);
  auto& q = conn.prepare(
      "UPDATE content_items SET status = 'completed', storage_path = ?, output_url = ?, credit_cost_micros = ?, "
      "processing_time_ms = ?, completed_at = ?, error_message = NULL, reservation_id = NULL WHERE id = ?");
  db::bind_all(q, storage_path, output_url, cost, static_cast<std::int64_t>(std::max(0.0, now - (started > 0 ? started : now)) * 1000),
               iso8601_unix(now), item.id);
  q.exec();
}

void fail_item(db::Conn& conn, const std::string& id, const std::string& message, double now) {
  auto& q = conn.prepare(
      "UPDATE content_items SET status = 'failed', error_message = ?, completed_at = ?, reservation_id = NULL "
      "WHERE id = ? AND status IN ('pending', 'processing')");
  db::bind_all(q, message, iso8601_unix(now), id);
  q.exec();
}

void requeue_item(db::Conn& conn, const std::string& id, const std::string& reservation_id) {
  auto& q = conn.prepare(
      "UPDATE content_items SET status = 'pending', retry_count = retry_count + 1, error_message = NULL, "
      "started_at = NULL, completed_at = NULL, replicate_prediction_id = NULL, output_url = NULL, reservation_id = ? "
      "WHERE id = ? AND status = 'failed'");
  db::bind_all(q, reservation_id, id);
  q.exec();
}

}  // namespace agentd::content

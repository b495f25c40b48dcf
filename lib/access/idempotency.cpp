#include "access/idempotency.hpp"

#include "db/store.hpp"

#include <boost/json.hpp>

namespace agentd::access {
namespace {

std::string headers_json(const std::vector<std::pair<std::string, std::string>>& headers) {
  boost::json::array a;
  for (const auto& [k, v] : headers) a.push_back(boost::json::array{boost::json::value(k), boost::json::value(v)});
  return boost::json::serialize(a);
}

std::vector<std::pair<std::string, std::string>> headers_of(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  boost::json::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& h : v.as_array())
    if (h.is_array() && h.as_array().size() == 2 && h.as_array()[0].is_string() && h.as_array()[1].is_string())
      out.emplace_back(h.as_array()[0].as_string(), h.as_array()[1].as_string());
  return out;
}

}  // namespace

IdempotencyClaim claim_idempotency(db::Conn& conn, std::int64_t org_id, const std::string& key,
                                   const std::string& route, const std::string& body_hash, double now) {
  IdempotencyClaim c;
  {
    auto& q = conn.prepare(
        "SELECT body_hash, state, status, content_type, body, created_at, headers FROM idempotency_keys "
        "WHERE org_id = ? AND idem_key = ? AND route = ?");
    q.bind(1, org_id);
    q.bind(2, key);
    q.bind(3, route);
    if (q.executeStep() && q.getColumn(5).getDouble() > now - kIdempotencyTtlSeconds) {
      if (q.getColumn(0).getString() != body_hash) {
        c.outcome = IdempotencyClaim::Outcome::key_reused;
      } else if (q.getColumn(1).getString() == "running") {
        c.outcome = IdempotencyClaim::Outcome::in_progress;
      } else {
        c.outcome = IdempotencyClaim::Outcome::replay;
        c.response = {q.getColumn(2).getInt(), q.getColumn(3).getString(), q.getColumn(4).getString(),
                      headers_of(q.getColumn(6).getString())};
      }
      q.reset();
      return c;
    }
  }
  auto& ins = conn.prepare(
      "INSERT OR REPLACE INTO idempotency_keys(org_id, idem_key, route, body_hash, state, created_at) "
      "VALUES (?, ?, ?, ?, 'running', ?)");
  ins.bind(1, org_id);
  ins.bind(2, key);
  ins.bind(3, route);
  ins.bind(4, body_hash.data(), static_cast<int>(body_hash.size()));
  ins.bind(5, now);
  ins.exec();
  return c;
}

void complete_idempotency(db::Conn& conn, std::int64_t org_id, const std::string& key, const std::string& route,
                          const StoredResponse& response) {
  auto& upd = conn.prepare(
      "UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, body = ?, headers = ? "
      "WHERE org_id = ? AND idem_key = ? AND route = ?");
  upd.bind(1, response.status);
  upd.bind(2, response.content_type);
  upd.bind(3, response.body.data(), static_cast<int>(response.body.size()));
  upd.bind(4, headers_json(response.headers));
  upd.bind(5, org_id);
  upd.bind(6, key);
  upd.bind(7, route);
  upd.exec();
}

void abandon_idempotency(db::Conn& conn, std::int64_t org_id, const std::string& key, const std::string& route) {
  auto& del = conn.prepare("DELETE FROM idempotency_keys WHERE org_id = ? AND idem_key = ? AND route = ?");
  del.bind(1, org_id);
  del.bind(2, key);
  del.bind(3, route);
  del.exec();
}

void purge_idempotency(db::Conn& conn, double now) {
  auto& del = conn.prepare("DELETE FROM idempotency_keys WHERE state = 'running' OR created_at <= ?");
  del.bind(1, now - kIdempotencyTtlSeconds);
  del.exec();
}

}  // namespace agentd::access

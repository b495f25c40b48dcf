#include "access/idempotency.hpp"

#include "db/store.hpp"

namespace agentd::access {

IdempotencyClaim claim_idempotency(db::Conn& conn, std::int64_t org_id, const std::string& key,
                                   const std::string& route, const std::string& body_hash, double now) {
  IdempotencyClaim c;
  {
    auto& q = conn.prepare(
        "SELECT body_hash, state, status, content_type, body, created_at FROM idempotency_keys "
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
        c.response = {q.getColumn(2).getInt(), q.getColumn(3).getString(), q.getColumn(4).getString()};
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
      "UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, body = ? "
      "WHERE org_id = ? AND idem_key = ? AND route = ?");
  upd.bind(1, response.status);
  upd.bind(2, response.content_type);
  upd.bind(3, response.body.data(), static_cast<int>(response.body.size()));
  upd.bind(4, org_id);
  upd.bind(5, key);
  upd.bind(6, route);
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

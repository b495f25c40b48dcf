#include "access/credits.hpp"

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "db/store.hpp"

namespace agentd::access {
namespace {

struct Balance {
  Micros balance = 0;
  Micros reserved = 0;
};

Balance load_balance(db::Conn& conn, std::int64_t org_id) {
  auto& q = conn.prepare("SELECT balance_micros, reserved_micros FROM organizations WHERE id = ?");
  q.bind(1, org_id);
  if (!q.executeStep()) throw not_found("not_found", "Organization not found");
  return {q.getColumn(0).getInt64(), q.getColumn(1).getInt64()};
}

void ledger(db::Conn& conn, std::int64_t org_id, const std::string& key_id, const char* kind, Micros amount,
            Micros balance_after, const std::string& reference, const std::string& description) {
  auto& ins = conn.prepare(
      "INSERT INTO credit_ledger(org_id, key_id, kind, amount_micros, balance_after_micros, reference_id, "
      "description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, org_id);
  if (key_id.empty()) ins.bind(2); else ins.bind(2, key_id);
  ins.bind(3, kind);
  ins.bind(4, amount);
  ins.bind(5, balance_after);
  if (reference.empty()) ins.bind(6); else ins.bind(6, reference);
  ins.bind(7, description);
  ins.bind(8, now_iso8601());
  ins.exec();
}

// Deletes the reservation row; false when it was already closed (settled or released).
bool close_reservation(db::Conn& conn, const Reservation& r) {
  auto& del = conn.prepare("DELETE FROM credit_reservations WHERE id = ?");
  del.bind(1, r.id);
  if (del.exec() == 0) return false;
  auto& upd = conn.prepare("UPDATE organizations SET reserved_micros = reserved_micros - ? WHERE id = ?");
  upd.bind(1, r.amount);
  upd.bind(2, r.org_id);
  upd.exec();
  return true;
}

}  // namespace

AppError insufficient_credits_error(Micros amount, Micros available) {
  available = std::max<Micros>(0, available);
  return AppError(ErrorKind::payment_required, "insufficient_credits",
                  "Insufficient credits: this request needs " + format_credits(amount) + " credits and " +
                      format_credits(available) + " are available",
                  {{"required", format_credits(amount)}, {"available", format_credits(available)}});
}

Reservation reserve_credits(db::Conn& conn, std::int64_t org_id, const std::string& key_id, Micros amount,
                            const std::string& reference, bool durable) {
  const Balance b = load_balance(conn, org_id);
  const Micros available = b.balance - b.reserved;
  if (available < amount) throw insufficient_credits_error(amount, available);
  Reservation r{uuid_v4(), org_id, key_id, amount};
  auto& ins = conn.prepare(
      "INSERT INTO credit_reservations(id, org_id, key_id, amount_micros, reference, created_at, durable) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, r.id);
  ins.bind(2, org_id);
  ins.bind(3, key_id);
  ins.bind(4, amount);
  ins.bind(5, reference);
  ins.bind(6, now_iso8601());
  ins.bind(7, durable ? 1 : 0);
  ins.exec();
  auto& upd = conn.prepare("UPDATE organizations SET reserved_micros = reserved_micros + ? WHERE id = ?");
  upd.bind(1, amount);
  upd.bind(2, org_id);
  upd.exec();
  return r;
}

Micros settle_credits(db::Conn& conn, const Reservation& r, Micros actual, const std::string& description) {
  if (!close_reservation(conn, r)) return 0;
  const Balance b = load_balance(conn, r.org_id);
  // A cost above the estimate is charged only as far as the balance not held by others allows.
  const Micros charge = std::clamp<Micros>(actual, 0, std::max<Micros>(0, b.balance - b.reserved));
  if (charge == 0) return 0;
  const Micros after = b.balance - charge;
  auto& upd = conn.prepare("UPDATE organizations SET balance_micros = ? WHERE id = ?");
  upd.bind(1, after);
  upd.bind(2, r.org_id);
  upd.exec();
  ledger(conn, r.org_id, r.key_id, "charge", -charge, after, r.id, description);
  return charge;
}

void release_credits(db::Conn& conn, const Reservation& r) { close_reservation(conn, r); }

int release_all_reservations(db::Conn& conn) {
  const int n = conn.raw().exec("DELETE FROM credit_reservations WHERE durable = 0");
  conn.exec(
      "UPDATE organizations SET reserved_micros = (SELECT COALESCE(SUM(amount_micros), 0) FROM credit_reservations r "
      "WHERE r.org_id = organizations.id)");
  return n;
}

std::optional<Reservation> find_reservation(db::Conn& conn, const std::string& id) {
  auto& q = conn.prepare("SELECT org_id, COALESCE(key_id, ''), amount_micros FROM credit_reservations WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  Reservation r{id, q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getInt64()};
  q.reset();
  return r;
}

Micros grant_credits(db::Conn& conn, std::int64_t org_id, Micros amount, const std::string& description) {
  const Balance b = load_balance(conn, org_id);
  const Micros after = b.balance + amount;
  auto& upd = conn.prepare("UPDATE organizations SET balance_micros = ? WHERE id = ?");
  upd.bind(1, after);
  upd.bind(2, org_id);
  upd.exec();
  ledger(conn, org_id, {}, "grant", amount, after, {}, description);
  return after;
}

CreditsView read_credits(db::Conn& conn, std::int64_t org_id, int limit, int offset) {
  CreditsView v;
  {
    auto& q = conn.prepare(
        "SELECT balance_micros, reserved_micros, plan, (SELECT COUNT(*) FROM credit_ledger WHERE org_id = ?1) "
        "FROM organizations WHERE id = ?1");
    q.bind(1, org_id);
    if (!q.executeStep()) throw not_found("not_found", "Organization not found");
    v.balance = q.getColumn(0).getInt64();
    v.reserved = q.getColumn(1).getInt64();
    v.plan = q.getColumn(2).getString();
    v.total = q.getColumn(3).getInt64();
  }
  auto& q = conn.prepare(
      "SELECT id, kind, amount_micros, balance_after_micros, COALESCE(key_id, ''), COALESCE(reference_id, ''), "
      "description, created_at FROM credit_ledger WHERE org_id = ? ORDER BY id DESC LIMIT ? OFFSET ?");
  q.bind(1, org_id);
  q.bind(2, limit);
  q.bind(3, offset);
  while (q.executeStep()) {
    v.transactions.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getInt64(),
                              q.getColumn(3).getInt64(), q.getColumn(4).getString(), q.getColumn(5).getString(),
                              q.getColumn(6).getString(), q.getColumn(7).getString()});
  }
  return v;
}

}  // namespace agentd::access

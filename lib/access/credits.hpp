// Credits: reserve an estimate before work, settle with the real cost after, release on failure.
// Every balance change is a ledger row. Functions take the writer connection inside a
// Store::write transaction, so concurrent requests are serialized by SQLite's write lock and a
// balance can never go below zero.
#pragma once

#include "core/errors.hpp"
#include "core/money.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::access {

struct Reservation {
  std::string id;
  std::int64_t org_id = 0;
  std::string key_id;
  Micros amount = 0;
};

// 402 insufficient_credits with the amounts (also /openapi.json's example).
AppError insufficient_credits_error(Micros amount, Micros available);

// Throws AppError payment_required (extra: required, available) when the spendable balance
// (balance - open reservations) is below amount.
// A durable reservation survives a restart (a generation's hold until its job ends).
Reservation reserve_credits(db::Conn& conn, std::int64_t org_id, const std::string& key_id, Micros amount,
                            const std::string& reference, bool durable = false);
std::optional<Reservation> find_reservation(db::Conn& conn, const std::string& id);
// Charges min(actual, what the organization can still spend) and closes the reservation.
// Returns the amount charged.
Micros settle_credits(db::Conn& conn, const Reservation& r, Micros actual, const std::string& description);
void release_credits(db::Conn& conn, const Reservation& r);
// At start: no request survives a restart, so every reservation but the durable ones is released.
int release_all_reservations(db::Conn& conn);
// Adds amount (> 0) with a ledger row; returns the new balance.
Micros grant_credits(db::Conn& conn, std::int64_t org_id, Micros amount, const std::string& description);

struct LedgerEntry {
  std::int64_t id = 0;
  std::string kind;
  Micros amount = 0;
  Micros balance_after = 0;
  std::string key_id;
  std::string reference_id;
  std::string description;
  std::string created_at;
};

struct CreditsView {
  Micros balance = 0;
  Micros reserved = 0;
  std::string plan;
  std::vector<LedgerEntry> transactions;  // newest first
  std::int64_t total = 0;
};

CreditsView read_credits(db::Conn& conn, std::int64_t org_id, int limit, int offset);

}  // namespace agentd::access

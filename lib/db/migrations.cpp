#include "db/migrations.hpp"

#include "core/clock.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <stdexcept>

namespace agentd::db {
namespace {

int version_of(const std::string& name) {
  std::size_t digits = 0;
  while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits]))) ++digits;
  if (digits == 0) throw std::runtime_error("migration name without a version prefix: " + name);
  return std::stoi(name.substr(0, digits));
}

}  // namespace

std::vector<std::string> migrate(SQLite::Database& db, const std::vector<Migration>& all) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_version ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  int current = 0;
  {
    SQLite::Statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (q.executeStep()) current = q.getColumn(0).getInt();
  }
  int newest_known = 0;
  for (const auto& m : all) newest_known = std::max(newest_known, version_of(m.name));
  if (current > newest_known)
    throw std::runtime_error("the data directory's schema (version " + std::to_string(current) +
                             ") is newer than this binary knows (" + std::to_string(newest_known) + ")");
  std::vector<std::string> applied;
  for (const auto& m : all) {
    const int v = version_of(m.name);
    if (v <= current) continue;
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Another process may have applied it while we waited for the write lock.
    SQLite::Statement seen(db, "SELECT 1 FROM schema_version WHERE version = ?");
    seen.bind(1, v);
    if (seen.executeStep()) continue;
    db.exec(m.sql);
    SQLite::Statement rec(db, "INSERT INTO schema_version(version, name, applied_at) VALUES (?, ?, ?)");
    rec.bind(1, v);
    rec.bind(2, m.name);
    rec.bind(3, now_iso8601());
    rec.exec();
    tx.commit();
    applied.push_back(m.name);
  }
  return applied;
}

}  // namespace agentd::db

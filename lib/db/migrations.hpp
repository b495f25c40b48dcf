// Ordered schema migrations from schema/NNNN_*.sql, compiled into the binary and recorded in
// schema_version as they are applied.
#pragma once

#include <string>
#include <vector>

namespace SQLite { class Database; }

namespace agentd::db {

struct Migration {
  std::string name;  // file name, e.g. "0001_init.sql"; its numeric prefix is the version
  std::string sql;
};

const std::vector<Migration>& builtin_migrations();

// Applies, each in its own transaction, the migrations whose version is not yet recorded.
// Returns the names applied. Throws when a recorded version is newer than any known one.
std::vector<std::string> migrate(SQLite::Database& db, const std::vector<Migration>& all);

}  // namespace agentd::db

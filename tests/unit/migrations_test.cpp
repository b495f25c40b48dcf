#include "db/migrations.hpp"
#include "db/store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace agentd::db;

namespace {

struct TempDir {
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("agentd-unit-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
  static inline int counter = 0;
};

int count_versions(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT COUNT(*) FROM schema_version");
  q.executeStep();
  return q.getColumn(0).getInt();
}

}  // namespace

TEST(Migrations, AppliesInOrderOnceAndRecordsThem) {
  TempDir dir;
  SQLite::Database db((dir.path / "m.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  std::vector<Migration> all = {{"0001_a.sql", "CREATE TABLE a(x INTEGER);"},
                                {"0002_b.sql", "INSERT INTO a VALUES (1); CREATE TABLE b(y);"}};
  EXPECT_EQ(migrate(db, all), (std::vector<std::string>{"0001_a.sql", "0002_b.sql"}));
  EXPECT_TRUE(migrate(db, all).empty());
  EXPECT_EQ(count_versions(db), 2);
  all.push_back({"0003_c.sql", "INSERT INTO a VALUES (3);"});
  EXPECT_EQ(migrate(db, all), (std::vector<std::string>{"0003_c.sql"}));
  SQLite::Statement q(db, "SELECT SUM(x) FROM a");
  q.executeStep();
  EXPECT_EQ(q.getColumn(0).getInt(), 4);
}

TEST(Migrations, AFailingMigrationLeavesNothingBehind) {
  TempDir dir;
  SQLite::Database db((dir.path / "m.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  std::vector<Migration> all = {{"0001_a.sql", "CREATE TABLE a(x); INSERT INTO nope VALUES (1);"}};
  EXPECT_THROW(migrate(db, all), SQLite::Exception);
  EXPECT_EQ(count_versions(db), 0);
  EXPECT_FALSE(db.tableExists("a"));
}

TEST(Migrations, RefusesADatabaseNewerThanTheBinary) {
  TempDir dir;
  SQLite::Database db((dir.path / "m.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  migrate(db, {{"0001_a.sql", "CREATE TABLE a(x);"}, {"0002_b.sql", "CREATE TABLE b(x);"}});
  EXPECT_THROW(migrate(db, {{"0001_a.sql", "CREATE TABLE a(x);"}}), std::runtime_error);
}

TEST(Store, BuiltinSchemaOpensInWalModeWithForeignKeys) {
  TempDir dir;
  Store store(dir.path.string(), 2);
  const int versions = store.read([](Conn& c) {
    SQLite::Statement q(c.raw(), "SELECT COUNT(*) FROM schema_version");
    q.executeStep();
    return q.getColumn(0).getInt();
  });
  EXPECT_EQ(versions, static_cast<int>(builtin_migrations().size()));
  store.write([](Conn& c) {
    SQLite::Statement mode(c.raw(), "PRAGMA journal_mode");
    mode.executeStep();
    EXPECT_EQ(mode.getColumn(0).getString(), "wal");
    SQLite::Statement fk(c.raw(), "PRAGMA foreign_keys");
    fk.executeStep();
    EXPECT_EQ(fk.getColumn(0).getInt(), 1);
  });
  // Readers cannot write.
  EXPECT_THROW(store.read([](Conn& c) { c.exec("CREATE TABLE x(y)"); }), SQLite::Exception);
  // A second Store on the same directory (another process's view) sees the same schema.
  Store again(dir.path.string(), 1);
}

TEST(Store, WriteRollsBackWhenTheFunctionThrows) {
  TempDir dir;
  Store store(dir.path.string(), 1);
  EXPECT_THROW(store.write([](Conn& c) {
    c.exec("INSERT INTO settings(key, value) VALUES ('a', 'b')");
    throw std::runtime_error("boom");
  }), std::runtime_error);
  const int n = store.read([](Conn& c) {
    auto& q = c.prepare("SELECT COUNT(*) FROM settings");
    q.executeStep();
    return q.getColumn(0).getInt();
  });
  EXPECT_EQ(n, 0);
}

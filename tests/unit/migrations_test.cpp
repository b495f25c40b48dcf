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
  // A second Store on the same directory (another process's view) sees the same schema: it
  // applies nothing and reads what the first one wrote.
  store.write([](Conn& c) { c.exec("INSERT INTO settings(key, value) VALUES ('seen', 'yes')"); });
  Store again(dir.path.string(), 1);
  const auto seen = again.read([](Conn& c) {
    SQLite::Statement v(c.raw(), "SELECT COUNT(*) FROM schema_version");
    v.executeStep();
    const int count = v.getColumn(0).getInt();
    SQLite::Statement q(c.raw(), "SELECT value FROM settings WHERE key = 'seen'");
    return std::make_pair(count, q.executeStep() ? q.getColumn(0).getString() : std::string());
  });
  EXPECT_EQ(seen.first, versions);
  EXPECT_EQ(seen.second, "yes");
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

TEST(Migrations, AgentDatastoreListsMoveToTheLinkTable) {
  TempDir dir;
  SQLite::Database db((dir.path / "m.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA foreign_keys = ON");
  const auto& all = builtin_migrations();
  std::vector<Migration> before;
  std::vector<std::string> later;
  for (const auto& m : all) {
    if (m.name < "0006") before.push_back(m);
    else later.push_back(m.name);
  }
  migrate(db, before);
  db.exec(
      "INSERT INTO organizations(id, slug, name, plan, created_at) VALUES (1, 'a', 'A', 'pro', 't'), (2, 'b', 'B', 'pro', 't');"
      "INSERT INTO datastores(id, public_id, org_id, display_name, created_at) VALUES "
      "  (10, 'docs-1', 1, 'Docs', 't'), (11, 'faq-2', 1, 'FAQ', 't'), (12, 'theirs-3', 2, 'Theirs', 't');"
      "INSERT INTO agents(id, uuid, org_id, slug, name, agent_type, datastore_ids, created_at, updated_at) VALUES "
      "  ('agent_1', 'u1', 1, 'one', 'One', 'LLM_AGENT', '[\"faq-2\",\"docs-1\",\"gone-9\",\"theirs-3\"]', 't', 't'),"
      "  ('agent_2', 'u2', 1, 'two', 'Two', 'LLM_AGENT', '[]', 't', 't');");
  EXPECT_EQ(migrate(db, all), later);
  // In order, only the organization's own datastores that still exist.
  SQLite::Statement q(db, "SELECT agent_id, datastore_id FROM agent_datastores ORDER BY agent_id, position");
  std::vector<std::pair<std::string, int>> links;
  while (q.executeStep()) links.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt());
  EXPECT_EQ(links, (std::vector<std::pair<std::string, int>>{{"agent_1", 11}, {"agent_1", 10}}));
  SQLite::Statement cols(db, "SELECT COUNT(*) FROM pragma_table_info('agents') WHERE name = 'datastore_ids'");
  cols.executeStep();
  EXPECT_EQ(cols.getColumn(0).getInt(), 0);
  // A deleted datastore leaves its agents by itself.
  db.exec("DELETE FROM datastores WHERE id = 11");
  SQLite::Statement left(db, "SELECT COUNT(*) FROM agent_datastores");
  left.executeStep();
  EXPECT_EQ(left.getColumn(0).getInt(), 1);
}

TEST(Migrations, ChunksIndexedBeforeTheStemmerAreFoundByTheirNearForms) {
  TempDir dir;
  SQLite::Database db((dir.path / "m.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA foreign_keys = ON");
  std::vector<Migration> before;
  for (const auto& m : builtin_migrations())
    if (m.name < "0011") before.push_back(m);
  migrate(db, before);
  db.exec(
      "INSERT INTO organizations(id, slug, name, plan, created_at) VALUES (1, 'a', 'A', 'pro', 't');"
      "INSERT INTO datastores(id, public_id, org_id, display_name, created_at) VALUES (10, 'docs-1', 1, 'Docs', 't');"
      "INSERT INTO uploads(id, org_id, datastore_id, filename, file_type, file_size, status, storage_path, uploaded_at, seq) "
      "  VALUES ('u1', 1, 10, 'a.txt', 'text/plain', 10, 'completed', 'x', 't', 1);"
      "INSERT INTO chunks(upload_id, datastore_id, filename, seq, text) VALUES ('u1', 10, 'a.txt', 0, 'The archive was corrupted.');");
  auto count = [&](const char* match) {
    SQLite::Statement q(db, "SELECT COUNT(*) FROM chunks_words WHERE chunks_words MATCH ?");
    q.bind(1, match);
    q.executeStep();
    return q.getColumn(0).getInt();
  };
  EXPECT_EQ(count("corruption"), 0);
  migrate(db, builtin_migrations());
  EXPECT_EQ(count("corruption"), 1);  // the chunk written before, indexed again with stems
  EXPECT_EQ(count("archives"), 1);
  EXPECT_EQ(db.execAndGet("SELECT last FROM chunk_ids").getInt64(), 1);  // new chunk ids start above the old ones
  db.exec("DELETE FROM chunks");     // the triggers still keep the new index
  EXPECT_EQ(count("archive"), 0);
}

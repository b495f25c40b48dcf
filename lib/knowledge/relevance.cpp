#include "knowledge/relevance.hpp"

#include "db/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentd::knowledge {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// What a connection keeps of the chunks for ranking, in memory (as a search engine keeps its
// norms): each chunk's length per FTS5 table and the chunks of each datastore searched lately.
// FTS5 would read a row's length by a lookup per row, and the datastore filter was a join per
// row: together nearly all of the time to rank a frequent word's rows. Loaded once, then only ids
// above the highest read: chunk ids are never used twice (schema/0013), and a chunk's text and
// datastore never change.
struct Lengths {
  std::vector<std::uint16_t> by_id;  // tokens, at most 65,535; 0: no such row
  std::int64_t loaded = 0;
};
struct Members {
  std::vector<std::int64_t> ids;  // ascending
  std::uint64_t used = 0;
  bool holds(std::int64_t id) const { return std::binary_search(ids.begin(), ids.end(), id); }
};
struct ChunkFacts {
  static constexpr std::size_t kDatastores = 32;  // kept per connection, the least recently used go
  db::Conn& conn;  // whose statement cache loads them
  std::map<std::string, Lengths> lengths;
  std::map<std::int64_t, Members> datastores;
  std::uint64_t uses = 0;
};

std::uint64_t varint(const unsigned char* p, int n) {  // SQLite's, as FTS5 writes sizes
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) {
    if (i == 8) return (v << 8) | p[i];
    v = (v << 7) | (p[i] & 0x7f);
    if (!(p[i] & 0x80)) break;
  }
  return v;
}

void load_lengths(db::Conn& conn, const std::string& table, Lengths& l) {
  auto& q = conn.prepare("SELECT id, sz FROM \"" + table + "_docsize\" WHERE id > ? ORDER BY id");
  q.bind(1, l.loaded);
  while (q.executeStep()) {
    const std::int64_t id = q.getColumn(0).getInt64();
    if (id <= 0) continue;
    const auto sz = q.getColumn(1);
    const std::uint64_t tokens = varint(static_cast<const unsigned char*>(sz.getBlob()), sz.getBytes());
    if (static_cast<std::uint64_t>(id) >= l.by_id.size()) l.by_id.resize(static_cast<std::size_t>(id) * 5 / 4 + 1024);
    l.by_id[static_cast<std::size_t>(id)] = static_cast<std::uint16_t>(std::clamp<std::uint64_t>(tokens, 1, 65535));
    l.loaded = id;
  }
}

void load_members(db::Conn& conn, std::int64_t datastore, Members& m) {
  auto& q = conn.prepare("SELECT id FROM chunks WHERE datastore_id = ? AND id > ? ORDER BY id");
  q.bind(1, datastore);
  q.bind(2, m.ids.empty() ? 0 : m.ids.back());
  while (q.executeStep()) m.ids.push_back(q.getColumn(0).getInt64());
}

// What a query's rows share: each phrase's idf, their sum at full weight, the average length,
// and the chunk facts of its table and datastore.
struct QueryStats {
  std::vector<double> idf;
  double best = 0;  // sum of idf * (k1 + 1): the score of a row holding every phrase unboundedly
  double average_length = 1;
  std::vector<double> frequency;  // per row, reused
  const Lengths* lengths = nullptr;
  const Members* members = nullptr;
};

// The table's lengths and the datastore's chunks, brought up to the query's snapshot (the same
// connection, inside the query's statement).
void chunk_facts(ChunkFacts& facts, const std::string& table, std::int64_t datastore, QueryStats& stats) {
  Lengths& l = facts.lengths[table];
  load_lengths(facts.conn, table, l);
  if (!facts.datastores.count(datastore) && facts.datastores.size() >= ChunkFacts::kDatastores)
    facts.datastores.erase(std::min_element(facts.datastores.begin(), facts.datastores.end(),
                                            [](const auto& a, const auto& b) { return a.second.used < b.second.used; }));
  Members& m = facts.datastores[datastore];
  m.used = ++facts.uses;
  load_members(facts.conn, datastore, m);
  stats.lengths = &l;
  stats.members = &m;
}

int count_row(const Fts5ExtensionApi*, Fts5Context*, void* count) {
  ++*static_cast<sqlite3_int64*>(count);
  return SQLITE_OK;
}

// As FTS5's bm25(), idf = ln((N - n + 0.5) / (n + 0.5)), at least 1e-6; but a word in no row
// weighs as one in a single row (n = 1): in a small knowledge base, where every word that is there
// is in many of its rows, words that are nowhere would otherwise outweigh all the others.
int query_stats(const Fts5ExtensionApi* api, Fts5Context* fts, QueryStats& stats) {
  sqlite3_int64 rows = 0, tokens = 0;
  int rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
  if (rc != SQLITE_OK) return rc;
  stats.average_length = rows > 0 ? static_cast<double>(tokens) / static_cast<double>(rows) : 1.0;
  const int phrases = api->xPhraseCount(fts);
  for (int i = 0; i < phrases; ++i) {
    sqlite3_int64 hits = 0;
    rc = api->xQueryPhrase(fts, i, &hits, count_row);
    if (rc != SQLITE_OK) return rc;
    const double n = static_cast<double>(std::max<sqlite3_int64>(hits, 1));
    const double idf = std::log((static_cast<double>(rows) - n + 0.5) / (n + 0.5));
    stats.idf.push_back(idf > 0 ? idf : 1e-6);
    stats.best += stats.idf.back() * (kK1 + 1);
  }
  stats.frequency.resize(stats.idf.size());
  return SQLITE_OK;
}

void relevance(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 2 || sqlite3_value_type(argv[0]) != SQLITE_TEXT || sqlite3_value_type(argv[1]) != SQLITE_INTEGER)
    return sqlite3_result_error(ctx, "relevance(table, table name, datastore id)", -1);
  auto* stats = static_cast<QueryStats*>(api->xGetAuxdata(fts, 0));
  if (!stats) {
    auto fresh = std::make_unique<QueryStats>();
    if (int rc = query_stats(api, fts, *fresh); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
    try {
      chunk_facts(*static_cast<ChunkFacts*>(api->xUserData(fts)), reinterpret_cast<const char*>(sqlite3_value_text(argv[0])),
                  sqlite3_value_int64(argv[1]), *fresh);
    } catch (const std::exception& e) {
      return sqlite3_result_error(ctx, e.what(), -1);
    }
    stats = fresh.get();
    if (int rc = api->xSetAuxdata(fts, fresh.release(), [](void* p) { delete static_cast<QueryStats*>(p); });
        rc != SQLITE_OK)
      return sqlite3_result_error_code(ctx, rc);
  }
  // Another datastore's row: -1 sorts it after every row of this one, and the caller drops it.
  const sqlite3_int64 row = api->xRowid(fts);
  if (!stats->members->holds(row)) return sqlite3_result_double(ctx, -1.0);
  std::fill(stats->frequency.begin(), stats->frequency.end(), 0.0);
  int instances = 0;
  if (int rc = api->xInstCount(fts, &instances); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
  for (int i = 0; i < instances; ++i) {
    int phrase = 0, column = 0, offset = 0;
    if (int rc = api->xInst(fts, i, &phrase, &column, &offset); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
    stats->frequency[static_cast<std::size_t>(phrase)] += 1;
  }
  const auto& by_id = stats->lengths->by_id;
  const int length = static_cast<std::size_t>(row) < by_id.size() ? by_id[static_cast<std::size_t>(row)] : 0;
  if (length == 0) return sqlite3_result_error(ctx, "relevance: a row newer than the query's snapshot", -1);
  const double norm = kK1 * (1 - kB + kB * length / stats->average_length);
  double score = 0;
  for (std::size_t i = 0; i < stats->idf.size(); ++i) {
    const double f = stats->frequency[i];
    score += stats->idf[i] * f * (kK1 + 1) / (f + norm);
  }
  sqlite3_result_double(ctx, stats->best > 0 ? score / stats->best : 0.0);
}

fts5_api* fts5_of(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, &api, "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

}  // namespace

void enable_relevance(db::Conn& conn) {
  static const char key = 0;
  if (!conn.first_time(&key)) return;
  fts5_api* api = fts5_of(conn.raw().getHandle());
  if (!api || api->xCreateFunction(api, "relevance", new ChunkFacts{conn, {}, {}, 0}, relevance,
                                    [](void* p) { delete static_cast<ChunkFacts*>(p); }) != SQLITE_OK)
    throw std::runtime_error("could not register the FTS5 function relevance()");
}

}  // namespace agentd::knowledge

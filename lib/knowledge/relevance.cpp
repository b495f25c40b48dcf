#include "knowledge/relevance.hpp"

#include "db/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

namespace agentd::knowledge {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// What a query's rows share: each phrase's idf, their sum at full weight, the average length.
struct QueryStats {
  std::vector<double> idf;
  double best = 0;  // sum of idf * (k1 + 1): the score of a row holding every phrase unboundedly
  double average_length = 1;
  std::vector<double> frequency;  // per row, reused
};

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

void negative_relevance(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int, sqlite3_value**) {
  auto* stats = static_cast<QueryStats*>(api->xGetAuxdata(fts, 0));
  if (!stats) {
    auto fresh = std::make_unique<QueryStats>();
    if (int rc = query_stats(api, fts, *fresh); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
    stats = fresh.get();
    if (int rc = api->xSetAuxdata(fts, fresh.release(), [](void* p) { delete static_cast<QueryStats*>(p); });
        rc != SQLITE_OK)
      return sqlite3_result_error_code(ctx, rc);
  }
  std::fill(stats->frequency.begin(), stats->frequency.end(), 0.0);
  int instances = 0;
  if (int rc = api->xInstCount(fts, &instances); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
  for (int i = 0; i < instances; ++i) {
    int phrase = 0, column = 0, offset = 0;
    if (int rc = api->xInst(fts, i, &phrase, &column, &offset); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
    stats->frequency[static_cast<std::size_t>(phrase)] += 1;
  }
  int length = 0;
  if (int rc = api->xColumnSize(fts, -1, &length); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
  const double norm = kK1 * (1 - kB + kB * length / stats->average_length);
  double score = 0;
  for (std::size_t i = 0; i < stats->idf.size(); ++i) {
    const double f = stats->frequency[i];
    score += stats->idf[i] * f * (kK1 + 1) / (f + norm);
  }
  // Negated: FTS5 sorts by rank ascending.
  sqlite3_result_double(ctx, stats->best > 0 ? -score / stats->best : 0.0);
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
  if (!api || api->xCreateFunction(api, "negative_relevance", nullptr, negative_relevance, nullptr) != SQLITE_OK)
    throw std::runtime_error("could not register the FTS5 function negative_relevance()");
}

}  // namespace agentd::knowledge

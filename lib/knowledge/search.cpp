#include "knowledge/search.hpp"

#include "core/terms.hpp"
#include "knowledge/relevance.hpp"

#include "db/row.hpp"
#include "db/store.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <string_view>

namespace agentd::knowledge {
namespace {

// Words for the FTS5 queries: runs of letters and digits (any script), ASCII in lowercase (the
// indexes fold case anyway; the vocabulary and the stopword list are lowercase).
std::vector<std::string> query_terms(const std::string& query) {
  std::vector<std::string> terms;
  std::string cur;
  for (unsigned char c : query) {
    const bool word = c >= 0x80 || std::isalnum(c);
    if (word) {
      cur.push_back(static_cast<char>(std::tolower(c)));
    } else if (!cur.empty()) {
      terms.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) terms.push_back(cur);
  // Function words (how, do, the) say nothing of the passage wanted, and a relevance that counted
  // them would fall for every one a small knowledge base lacks: a question's other words are
  // searched without them.
  auto function_word = [](const std::string& t) { return stopword(t); };
  if (!std::all_of(terms.begin(), terms.end(), function_word))
    terms.erase(std::remove_if(terms.begin(), terms.end(), function_word), terms.end());
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  if (terms.size() > 32) terms.resize(32);
  return terms;
}

std::string filename_clause(const std::vector<std::string>& filenames, int first_param) {
  if (filenames.empty()) return "";
  std::string clause = " AND c.filename IN (";
  for (std::size_t i = 0; i < filenames.size(); ++i)
    clause += (i ? ", ?" : "?") + std::to_string(first_param + static_cast<int>(i));
  return clause + ")";
}

// (chunk id, score) pairs, best first, from a query whose ?1 is `arg`, ?2 the datastore, ?3 the
// limit and ?4... the filename filter; the score is the query's second column.
using Scored = std::vector<std::pair<std::int64_t, double>>;
Scored scored_ids(db::Conn& conn, const std::string& sql, const std::string& arg, std::int64_t ds,
                  const std::vector<std::string>& filenames, int limit) {
  auto& q = conn.prepare(sql);
  q.bind(1, arg);
  q.bind(2, ds);
  q.bind(3, limit);
  for (std::size_t i = 0; i < filenames.size(); ++i) q.bind(4 + static_cast<int>(i), filenames[i]);
  Scored ids;
  while (q.executeStep()) ids.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getDouble());
  return ids;
}

// From one FTS5 index, by relevance (knowledge/relevance.hpp), which also keeps to the datastore:
// the best `limit` of its rows by a sort that holds only those, each row's relevance computed
// once (FTS5's own rank sorts every matching row, and a join per row for the datastore cost as
// much again).
Scored ranked(db::Conn& conn, const char* table, const std::string& match, std::int64_t ds,
              const std::vector<std::string>& filenames, int limit) {
  const std::string t = table;
  Scored rows = scored_ids(conn,
                           "SELECT " + t + ".rowid, relevance(" + t + ", '" + t + "', ?2) AS r FROM " + t +
                               (filenames.empty() ? "" : " JOIN chunks c ON c.id = " + t + ".rowid") + " WHERE " + t +
                               " MATCH ?1" + filename_clause(filenames, 4) + " ORDER BY r DESC LIMIT ?3",
                           match, ds, filenames, limit);
  // Rows of other datastores score -1 and come last: there when this one has fewer than `limit`.
  rows.erase(std::remove_if(rows.begin(), rows.end(), [](const auto& row) { return row.second < 0; }), rows.end());
  return rows;
}

// Short CJK words (under three characters) are below the trigram index: a bounded scan, unranked.
Scored substring_scan(db::Conn& conn, const std::string& term, std::int64_t ds,
                      const std::vector<std::string>& filenames, int limit) {
  return scored_ids(conn,
                    "SELECT c.id, 0.0 FROM chunks c WHERE c.datastore_id = ?2 AND instr(c.text, ?1) > 0" +
                        filename_clause(filenames, 4) + " ORDER BY c.id LIMIT ?3",
                    term, ds, filenames, limit);
}

// Words found in more than a third of the chunks carry almost no BM25 weight (idf near zero) but
// make FTS5 rank nearly every row: when the query has other words, they are left out. Their share
// is counted among the newest 10,000 chunks (a rowid range of the index, a bounded read): the
// vocabulary's count of a word's rows reads its whole doclist, 40 ms for a word in 900,000 chunks.
void drop_ubiquitous_terms(db::Conn& conn, std::vector<std::string>& terms) {
  if (terms.size() < 2) return;
  constexpr std::int64_t kSample = 10'000;
  auto& last_q = conn.prepare("SELECT last FROM chunk_ids");
  last_q.executeStep();
  const std::int64_t after = std::max<std::int64_t>(0, last_q.getColumn(0).getInt64() - kSample);
  auto& sample_q = conn.prepare("SELECT count(*) FROM chunks_words_docsize WHERE id > ?");
  sample_q.bind(1, after);
  sample_q.executeStep();
  const std::int64_t sample = sample_q.getColumn(0).getInt64();
  if (sample < 1000) return;
  std::vector<std::string> kept;
  for (const auto& t : terms) {
    auto& q = conn.prepare("SELECT count(*) FROM chunks_words WHERE chunks_words MATCH ? AND rowid > ?");
    q.bind(1, fts_join({t}, "", nullptr));
    q.bind(2, after);
    q.executeStep();
    if (q.getColumn(0).getInt64() * 3 <= sample) kept.push_back(t);
  }
  if (!kept.empty()) terms = std::move(kept);
}

}  // namespace

std::string fts_join(const std::vector<std::string>& terms, std::string_view op,
                     const std::function<bool(const std::string&)>& as_prefix) {
  std::string q;
  for (const auto& t : terms) {
    if (!q.empty()) q.append(" ").append(op).append(" ");
    q += "\"" + t + "\"";  // terms hold no quotes (query_terms and core terms() keep letters and digits)
    if (as_prefix && as_prefix(t)) q += "*";
  }
  return q;
}

std::string fts_or(const std::vector<std::string>& terms) { return fts_join(terms, "OR", nullptr); }


std::vector<SearchHit> search(db::Conn& conn, const Datastore& ds, const std::string& query, int top_k,
                              const std::vector<std::string>& filenames) {
  auto terms = query_terms(query);
  if (terms.empty()) return {};
  enable_relevance(conn);
  drop_ubiquitous_terms(conn, terms);
  constexpr int kCandidates = 50;
  constexpr std::size_t kAllWordsFirst = 3;  // at most this many words
  // A chunk found by several stages keeps its best score, each stage's weighed by `weight`.
  std::map<std::int64_t, double> found;
  auto take = [&](const Scored& ids, double weight) {
    for (const auto& [id, score] : ids) {
      auto [it, fresh] = found.emplace(id, score * weight);
      if (!fresh) it->second = std::max(it->second, score * weight);
    }
  };
  // Stage 1, the word index. A CJK term also matches as a prefix, so that 휴가 finds 휴가를. A query
  // of CJK words of three characters or more skips it: stage 2 finds each of them wherever it
  // stands, at the start of a word too, and ranking a frequent word's rows twice was the slow case.
  const auto cjk = [](const std::string& t) { return t.size() > utf8_length(t); };
  std::vector<std::string> short_cjk, cjk_long, ascii_long;
  for (const auto& t : terms) {
    if (utf8_length(t) >= 3) (cjk(t) ? cjk_long : ascii_long).push_back(t);
    else if (cjk(t)) short_cjk.push_back(t);
  }
  if (cjk_long.size() < terms.size()) {
    // A short query's passages holding all of its words come first: when there are top_k of them,
    // only they are ranked, which spares ranking every row of two frequent words (the slow case).
    bool conjunctive = false;
    if (terms.size() >= 2 && terms.size() <= kAllWordsFirst) {
      auto both = ranked(conn, "chunks_words", fts_join(terms, "AND", cjk), ds.id, filenames, kCandidates);
      conjunctive = both.size() >= static_cast<std::size_t>(top_k);
      if (conjunctive) take(both, 1.0);
    }
    if (!conjunctive) take(ranked(conn, "chunks_words", fts_join(terms, "OR", cjk), ds.id, filenames, kCandidates), 1.0);
  }
  // Stage 2, for CJK terms: trigrams find them inside longer runs of text without spaces
  // (only chunks with non-ASCII text are in the trigram index).
  if (!cjk_long.empty()) take(ranked(conn, "chunks_trigram", fts_or(cjk_long), ds.id, filenames, kCandidates), 1.0);
  // Stage 3, when that found too little: ASCII words as prefixes ("vacat" finds "vacation"), a
  // part of a word counting half a word; then a bounded scan for one- and two-character CJK words
  // inside longer runs.
  if (found.size() < static_cast<std::size_t>(top_k) && !ascii_long.empty())
    take(ranked(conn, "chunks_words", fts_join(ascii_long, "OR", [](const std::string&) { return true; }), ds.id, filenames,
                kCandidates),
         0.5);
  for (const auto& t : short_cjk)
    if (found.size() < static_cast<std::size_t>(top_k)) take(substring_scan(conn, t, ds.id, filenames, kCandidates), 1.0);

  std::vector<std::pair<std::int64_t, double>> order(found.begin(), found.end());
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (order.size() > static_cast<std::size_t>(top_k)) order.resize(static_cast<std::size_t>(top_k));
  std::vector<SearchHit> hits;
  for (const auto& [id, score] : order) {
    auto& q = conn.prepare(
        "SELECT upload_id, filename, text, page, slide, line, COALESCE(heading, '') FROM chunks WHERE id = ? AND datastore_id = ?");
    q.bind(1, id);
    q.bind(2, ds.id);
    if (!q.executeStep()) continue;
    hits.push_back({id, q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                    q.getColumn(6).getString(), db::nullable<int>(q.getColumn(3)), db::nullable<int>(q.getColumn(4)),
                    db::nullable<int>(q.getColumn(5)), score});
  }
  return hits;
}

}  // namespace agentd::knowledge

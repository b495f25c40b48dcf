#include "knowledge/store.hpp"

#include "agents/registry.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "db/store.hpp"
#include "jobs/queue.hpp"

#include <algorithm>
#include <map>

namespace agentd::knowledge {
namespace {

std::optional<std::string> opt_text(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

std::optional<int> opt_int(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt();
}

Datastore read_datastore(SQLite::Statement& q) {
  return Datastore{q.getColumn(0).getInt64(), q.getColumn(6).getInt64(), q.getColumn(1).getString(),
                   q.getColumn(2).getString(), opt_text(q.getColumn(3)), q.getColumn(4).getString(),
                   q.getColumn(5).getInt64()};
}

const std::string kDatastoreSelect =
    "SELECT d.id, d.public_id, d.display_name, d.description, d.created_at, "
    "(SELECT COUNT(*) FROM uploads u WHERE u.datastore_id = d.id AND u.status = 'completed' "
    "  AND u.replaced_by IS NULL), d.org_id FROM datastores d ";

const std::string kUploadSelect =
    "SELECT u.id, u.filename, u.file_type, u.status, u.storage_path, u.uploaded_at, u.file_size, u.indexed_at, "
    "u.error_message, d.public_id, d.display_name, d.id FROM uploads u JOIN datastores d ON d.id = u.datastore_id ";

Upload read_upload(SQLite::Statement& q) {
  Upload u;
  u.id = q.getColumn(0).getString();
  u.filename = q.getColumn(1).getString();
  u.file_type = q.getColumn(2).getString();
  u.status = q.getColumn(3).getString();
  u.storage_path = q.getColumn(4).getString();
  u.uploaded_at = q.getColumn(5).getString();
  u.file_size = q.getColumn(6).getInt64();
  u.indexed_at = opt_text(q.getColumn(7));
  u.error_message = opt_text(q.getColumn(8));
  u.datastore_public_id = q.getColumn(9).getString();
  u.datastore_name = q.getColumn(10).getString();
  u.datastore_id = q.getColumn(11).getInt64();
  return u;
}

std::vector<std::string> storage_paths(db::Conn& conn, const std::string& where, std::int64_t id,
                                       const std::string* filename = nullptr) {
  auto& q = conn.prepare("SELECT storage_path FROM uploads WHERE " + where);
  q.bind(1, id);
  if (filename) q.bind(2, *filename);
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

// Words for the FTS5 queries: runs of letters and digits (any script), quoted for FTS5.
std::vector<std::string> query_terms(const std::string& query) {
  std::vector<std::string> terms;
  std::string cur;
  for (unsigned char c : query) {
    const bool word = c >= 0x80 || std::isalnum(c);
    if (word) {
      cur.push_back(static_cast<char>(c));
    } else if (!cur.empty()) {
      terms.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) terms.push_back(cur);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  if (terms.size() > 32) terms.resize(32);
  return terms;
}

std::size_t utf8_length(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string fts_or(const std::vector<std::string>& terms) {
  std::string q;
  for (const auto& t : terms) {
    if (!q.empty()) q += " OR ";
    q += "\"" + t + "\"";  // terms hold no quotes: query_terms keeps letters and digits only
  }
  return q;
}

std::string filename_clause(const std::vector<std::string>& filenames, int first_param) {
  if (filenames.empty()) return "";
  std::string clause = " AND c.filename IN (";
  for (std::size_t i = 0; i < filenames.size(); ++i)
    clause += (i ? ", ?" : "?") + std::to_string(first_param + static_cast<int>(i));
  return clause + ")";
}

// Chunk ids, best first, from a query whose ?1 is `arg`, ?2 the datastore, ?3 the limit and
// ?4... the filename filter.
std::vector<std::int64_t> chunk_ids(db::Conn& conn, const std::string& sql, const std::string& arg, std::int64_t ds,
                                    const std::vector<std::string>& filenames, int limit) {
  auto& q = conn.prepare(sql);
  q.bind(1, arg);
  q.bind(2, ds);
  q.bind(3, limit);
  for (std::size_t i = 0; i < filenames.size(); ++i) q.bind(4 + static_cast<int>(i), filenames[i]);
  std::vector<std::int64_t> ids;
  while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
  return ids;
}

// From one FTS5 index, by BM25.
std::vector<std::int64_t> ranked(db::Conn& conn, const char* table, const std::string& match, std::int64_t ds,
                                 const std::vector<std::string>& filenames, int limit) {
  return chunk_ids(conn,
                   std::string("SELECT c.id FROM ") + table + " JOIN chunks c ON c.id = " + table + ".rowid WHERE " +
                       table + " MATCH ?1 AND c.datastore_id = ?2" + filename_clause(filenames, 4) +
                       " ORDER BY rank LIMIT ?3",
                   match, ds, filenames, limit);
}

// Short CJK words (under three characters) are below the trigram index: a bounded scan.
std::vector<std::int64_t> substring_scan(db::Conn& conn, const std::string& term, std::int64_t ds,
                                         const std::vector<std::string>& filenames, int limit) {
  return chunk_ids(conn,
                   "SELECT c.id FROM chunks c WHERE c.datastore_id = ?2 AND instr(c.text, ?1) > 0" +
                       filename_clause(filenames, 4) + " ORDER BY c.id LIMIT ?3",
                   term, ds, filenames, limit);
}

// Words found in more than a third of all chunks carry almost no BM25 weight (idf near zero) but
// make FTS5 rank nearly every row: when the query has other words, they are left out.
void drop_ubiquitous_terms(db::Conn& conn, std::vector<std::string>& terms) {
  if (terms.size() < 2) return;
  // MAX(id) instead of COUNT(*): a lookup, not a scan; after deletions it over-counts, which
  // only makes the pruning more cautious.
  auto& total_q = conn.prepare("SELECT COALESCE(MAX(id), 0) FROM chunks");
  total_q.executeStep();
  const std::int64_t total = total_q.getColumn(0).getInt64();
  if (total < 1000) return;
  std::vector<std::string> kept;
  for (const auto& t : terms) {
    auto& q = conn.prepare("SELECT doc FROM chunks_words_vocab WHERE term = ?");
    std::string folded = t;
    for (auto& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    q.bind(1, folded);
    const std::int64_t df = q.executeStep() ? q.getColumn(0).getInt64() : 0;
    if (df * 3 <= total) kept.push_back(t);
  }
  if (!kept.empty()) terms = std::move(kept);
}

}  // namespace

Datastore create_datastore(db::Conn& conn, std::int64_t org_id, const std::string& name,
                           const std::optional<std::string>& description) {
  {
    auto& q = conn.prepare("SELECT public_id FROM datastores WHERE org_id = ? AND display_name = ?");
    q.bind(1, org_id);
    q.bind(2, name);
    if (q.executeStep())
      throw AppError(ErrorKind::conflict, "datastore_exists", "DataStore with name '" + name + "' already exists",
                     {{"existing_datastore_id", q.getColumn(0).getString()}});
  }
  std::string slug = slugify(name);
  if (slug.empty()) slug = "datastore";
  Datastore ds{0, org_id, slug + "-" + random_hex(8), name, description, now_iso8601(), 0};
  auto& ins = conn.prepare(
      "INSERT INTO datastores(public_id, org_id, display_name, description, created_at) VALUES (?, ?, ?, ?, ?)");
  ins.bind(1, ds.public_id);
  ins.bind(2, org_id);
  ins.bind(3, name);
  if (description) ins.bind(4, *description); else ins.bind(4);
  ins.bind(5, ds.created_at);
  ins.exec();
  ds.id = conn.last_insert_rowid();
  return ds;
}

std::vector<Datastore> list_datastores(db::Conn& conn, std::int64_t org_id) {
  auto& q = conn.prepare(kDatastoreSelect + "WHERE d.org_id = ? ORDER BY d.created_at DESC, d.id DESC");
  q.bind(1, org_id);
  std::vector<Datastore> out;
  while (q.executeStep()) out.push_back(read_datastore(q));
  return out;
}

std::optional<Datastore> find_datastore(db::Conn& conn, std::int64_t org_id, const std::string& public_id) {
  auto& q = conn.prepare(kDatastoreSelect + "WHERE d.org_id = ? AND d.public_id = ?");
  q.bind(1, org_id);
  q.bind(2, public_id);
  if (!q.executeStep()) return std::nullopt;
  return read_datastore(q);
}

DatastoreStats datastore_stats(db::Conn& conn, const Datastore& ds) {
  DatastoreStats s;
  auto& q = conn.prepare(
      "SELECT (SELECT COALESCE(SUM(file_size), 0) FROM uploads WHERE datastore_id = ?1 AND replaced_by IS NULL), "
      "(SELECT COUNT(*) FROM chunks WHERE datastore_id = ?1)");
  q.bind(1, ds.id);
  q.executeStep();
  s.total_bytes = q.getColumn(0).getInt64();
  s.chunk_count = q.getColumn(1).getInt64();
  s.connected_agents = connected_agents(conn, ds);
  return s;
}

std::vector<std::string> connected_agents(db::Conn& conn, const Datastore& ds) {
  return agents::agents_using_datastore(conn, ds.org_id, ds.public_id);
}

std::vector<std::string> delete_datastore(db::Conn& conn, const Datastore& ds) {
  agents::detach_datastore(conn, ds.org_id, ds.public_id);
  auto paths = storage_paths(conn, "datastore_id = ?1", ds.id);
  auto& chunks = conn.prepare("DELETE FROM chunks WHERE datastore_id = ?");
  chunks.bind(1, ds.id);
  chunks.exec();
  auto& uploads = conn.prepare("DELETE FROM uploads WHERE datastore_id = ?");
  uploads.bind(1, ds.id);
  uploads.exec();
  auto& del = conn.prepare("DELETE FROM datastores WHERE id = ?");
  del.bind(1, ds.id);
  del.exec();
  return paths;
}

void record_upload(db::Conn& conn, std::int64_t org_id, const Datastore& ds, const NewUpload& u, double now) {
  auto& ins = conn.prepare(
      "INSERT INTO uploads(id, org_id, datastore_id, filename, file_type, file_size, status, storage_path, "
      "uploaded_at, seq) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, "
      "(SELECT COALESCE(MAX(seq), 0) + 1 FROM uploads))");
  ins.bind(1, u.id);
  ins.bind(2, org_id);
  ins.bind(3, ds.id);
  ins.bind(4, u.filename);
  ins.bind(5, u.file_type);
  ins.bind(6, u.file_size);
  ins.bind(7, u.storage_path);
  ins.bind(8, iso8601_unix(now));
  ins.exec();
  jobs::enqueue(conn, {"rag_index", org_id, {{"upload_id", u.id}}, 3, 0}, now);
}

std::optional<Upload> find_upload(db::Conn& conn, std::int64_t org_id, const std::string& upload_id) {
  auto& q = conn.prepare(kUploadSelect + "WHERE u.org_id = ? AND u.id = ?");
  q.bind(1, org_id);
  q.bind(2, upload_id);
  if (!q.executeStep()) return std::nullopt;
  return read_upload(q);
}

UploadPage list_uploads(db::Conn& conn, std::int64_t org_id, const std::string& status,
                        const std::optional<std::int64_t>& datastore_id, int limit, int offset) {
  const std::string where = "WHERE u.org_id = ?1 AND (?2 = '' OR u.status = ?2) AND (?3 IS NULL OR u.datastore_id = ?3) ";
  UploadPage page;
  {
    auto& q = conn.prepare("SELECT COUNT(*) FROM uploads u " + where);
    q.bind(1, org_id);
    q.bind(2, status);
    if (datastore_id) q.bind(3, *datastore_id);
    q.executeStep();
    page.total = q.getColumn(0).getInt64();
  }
  auto& q = conn.prepare(kUploadSelect + where + "ORDER BY u.seq DESC LIMIT ?4 OFFSET ?5");
  q.bind(1, org_id);
  q.bind(2, status);
  if (datastore_id) q.bind(3, *datastore_id);
  q.bind(4, limit);
  q.bind(5, offset);
  while (q.executeStep()) page.uploads.push_back(read_upload(q));
  return page;
}

std::vector<Upload> datastore_files(db::Conn& conn, const Datastore& ds) {
  auto& q = conn.prepare(kUploadSelect + "WHERE u.datastore_id = ? AND u.replaced_by IS NULL ORDER BY u.seq DESC");
  q.bind(1, ds.id);
  std::vector<Upload> out;
  while (q.executeStep()) out.push_back(read_upload(q));
  return out;
}

std::vector<std::string> delete_file(db::Conn& conn, const Datastore& ds, const std::string& filename) {
  auto paths = storage_paths(conn, "datastore_id = ?1 AND filename = ?2", ds.id, &filename);
  auto& chunks = conn.prepare("DELETE FROM chunks WHERE datastore_id = ? AND filename = ?");
  chunks.bind(1, ds.id);
  chunks.bind(2, filename);
  chunks.exec();
  auto& del = conn.prepare("DELETE FROM uploads WHERE datastore_id = ? AND filename = ?");
  del.bind(1, ds.id);
  del.bind(2, filename);
  del.exec();
  return paths;
}

std::optional<Upload> begin_processing(db::Conn& conn, const std::string& upload_id) {
  std::optional<Upload> u;
  {
    auto& q = conn.prepare(kUploadSelect + "WHERE u.id = ?");
    q.bind(1, upload_id);
    if (q.executeStep()) u = read_upload(q);
  }
  // Deleted meanwhile, or already finished: nothing to do.
  if (!u || u->status == "completed" || u->status == "failed") return std::nullopt;
  set_upload_status(conn, upload_id, "processing");
  u->status = "processing";
  return u;
}

void set_upload_status(db::Conn& conn, const std::string& upload_id, const std::string& status) {
  auto& q = conn.prepare("UPDATE uploads SET status = ? WHERE id = ?");
  q.bind(1, status);
  q.bind(2, upload_id);
  q.exec();
}

std::vector<std::string> complete_upload(db::Conn& conn, const Upload& u, const std::vector<Chunk>& chunks,
                                         double now) {
  // Still there (not deleted while it was being read)?
  {
    auto& q = conn.prepare("SELECT seq FROM uploads WHERE id = ?");
    q.bind(1, u.id);
    if (!q.executeStep()) return {};
  }
  auto& old_chunks = conn.prepare("DELETE FROM chunks WHERE upload_id = ?");
  old_chunks.bind(1, u.id);
  old_chunks.exec();
  auto& ins = conn.prepare(
      "INSERT INTO chunks(upload_id, datastore_id, filename, seq, text, page, slide, line, heading) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  int seq = 0;
  for (const auto& c : chunks) {
    ins.reset();
    ins.clearBindings();
    ins.bind(1, u.id);
    ins.bind(2, u.datastore_id);
    ins.bind(3, u.filename);
    ins.bind(4, seq++);
    ins.bind(5, c.text);
    if (c.page) ins.bind(6, *c.page);
    if (c.slide) ins.bind(7, *c.slide);
    if (c.line) ins.bind(8, *c.line);
    if (!c.heading.empty()) ins.bind(9, c.heading);
    ins.exec();
  }
  auto& done = conn.prepare(
      "UPDATE uploads SET status = 'completed', indexed_at = ?, error_message = NULL WHERE id = ?");
  done.bind(1, iso8601_unix(now));
  done.bind(2, u.id);
  done.exec();
  // Older uploads of the same filename leave the index and the file list now, not before.
  std::vector<std::string> replaced_paths;
  std::vector<std::string> replaced;
  {
    auto& q = conn.prepare(
        "SELECT id, storage_path FROM uploads WHERE datastore_id = ? AND filename = ? AND id != ? "
        "AND replaced_by IS NULL AND seq < (SELECT seq FROM uploads WHERE id = ?)");
    q.bind(1, u.datastore_id);
    q.bind(2, u.filename);
    q.bind(3, u.id);
    q.bind(4, u.id);
    while (q.executeStep()) {
      replaced.push_back(q.getColumn(0).getString());
      replaced_paths.push_back(q.getColumn(1).getString());
    }
  }
  for (const auto& id : replaced) {
    auto& del = conn.prepare("DELETE FROM chunks WHERE upload_id = ?");
    del.bind(1, id);
    del.exec();
    auto& mark = conn.prepare("UPDATE uploads SET replaced_by = ? WHERE id = ?");
    mark.bind(1, u.id);
    mark.bind(2, id);
    mark.exec();
  }
  return replaced_paths;
}

void fail_upload(db::Conn& conn, const std::string& upload_id, const std::string& message) {
  auto& q = conn.prepare("UPDATE uploads SET status = 'failed', error_message = ? WHERE id = ?");
  q.bind(1, message);
  q.bind(2, upload_id);
  q.exec();
}

std::vector<SearchHit> search(db::Conn& conn, const Datastore& ds, const std::string& query, int top_k,
                              const std::vector<std::string>& filenames) {
  auto terms = query_terms(query);
  if (terms.empty()) return {};
  drop_ubiquitous_terms(conn, terms);
  constexpr int kCandidates = 50;
  constexpr double kRrf = 60.0;
  std::map<std::int64_t, double> fused;
  auto fuse = [&](const std::vector<std::int64_t>& ids) {
    for (std::size_t rank = 0; rank < ids.size(); ++rank) fused[ids[rank]] += 1.0 / (kRrf + static_cast<double>(rank) + 1);
  };
  // Stage 1, the word index. A CJK term also matches as a prefix, so that 휴가 finds 휴가를.
  std::string words;
  std::vector<std::string> long_terms, short_cjk;
  for (const auto& t : terms) {
    const bool cjk = t.size() > utf8_length(t);
    if (!words.empty()) words += " OR ";
    words += "\"" + t + "\"" + (cjk ? "*" : "");
    if (utf8_length(t) >= 3) long_terms.push_back(t);
    else if (cjk) short_cjk.push_back(t);
  }
  fuse(ranked(conn, "chunks_words", words, ds.id, filenames, kCandidates));
  // Stage 2, for CJK terms: trigrams find them inside longer runs of text without spaces
  // (only chunks with non-ASCII text are in the trigram index).
  std::vector<std::string> cjk_long;
  for (const auto& t : long_terms)
    if (t.size() > utf8_length(t)) cjk_long.push_back(t);
  if (!cjk_long.empty()) fuse(ranked(conn, "chunks_trigram", fts_or(cjk_long), ds.id, filenames, kCandidates));
  // Stage 3, when that found too little: ASCII words as prefixes ("vacat" finds "vacation"),
  // then a bounded scan for one- and two-character CJK words inside longer runs.
  if (fused.size() < static_cast<std::size_t>(top_k)) {
    std::string prefixes;
    for (const auto& t : long_terms)
      if (t.size() == utf8_length(t)) prefixes += (prefixes.empty() ? "\"" : " OR \"") + t + "\"*";
    if (!prefixes.empty()) fuse(ranked(conn, "chunks_words", prefixes, ds.id, filenames, kCandidates));
  }
  for (const auto& t : short_cjk)
    if (fused.size() < static_cast<std::size_t>(top_k)) fuse(substring_scan(conn, t, ds.id, filenames, kCandidates));

  std::vector<std::pair<std::int64_t, double>> order(fused.begin(), fused.end());
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (order.size() > static_cast<std::size_t>(top_k)) order.resize(static_cast<std::size_t>(top_k));
  std::vector<SearchHit> hits;
  for (const auto& [id, score] : order) {
    auto& q = conn.prepare("SELECT upload_id, filename, text, page, slide, line, COALESCE(heading, '') FROM chunks WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) continue;
    hits.push_back({id, q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                    q.getColumn(6).getString(), opt_int(q.getColumn(3)), opt_int(q.getColumn(4)),
                    opt_int(q.getColumn(5)), score});
  }
  return hits;
}

}  // namespace agentd::knowledge

#include "knowledge/uploads.hpp"

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "db/row.hpp"
#include "db/store.hpp"
#include "jobs/queue.hpp"

#include <algorithm>

namespace agentd::knowledge {
namespace {

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
  u.indexed_at = db::nullable<std::string>(q.getColumn(7));
  u.error_message = db::nullable<std::string>(q.getColumn(8));
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

}  // namespace

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

namespace {

void for_upload(db::Conn& conn, const char* sql, const std::string& upload_id) {
  auto& q = conn.prepare(sql);
  q.bind(1, upload_id);
  q.exec();
}

// Inserts the uploads' chunks with ids above every id ever given (schema/0013); returns the
// highest id before them.
std::int64_t insert_chunks(db::Conn& conn, const std::vector<const ExtractedUpload*>& uploads) {
  auto& last = conn.prepare("SELECT last FROM chunk_ids");
  last.executeStep();
  const std::int64_t before = last.getColumn(0).getInt64();
  last.reset();
  std::int64_t id = before;
  auto& ins = conn.prepare(
      "INSERT INTO chunks(id, upload_id, datastore_id, filename, seq, text, page, slide, line, heading) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto* e : uploads) {
    int seq = 0;
    for (const auto& c : e->chunks) {
      ins.reset();
      ins.clearBindings();
      ins.bind(1, ++id);
      ins.bind(2, e->upload.id);
      ins.bind(3, e->upload.datastore_id);
      ins.bind(4, e->upload.filename);
      ins.bind(5, seq++);
      ins.bind(6, c.text);
      if (c.page) ins.bind(7, *c.page);
      if (c.slide) ins.bind(8, *c.slide);
      if (c.line) ins.bind(9, *c.line);
      if (!c.heading.empty()) ins.bind(10, c.heading);
      ins.exec();
    }
  }
  auto& update = conn.prepare("UPDATE chunk_ids SET last = ?");
  update.bind(1, id);
  update.exec();
  return before;
}

// The chunks above `after` into both indexes, in one statement each: FTS5 writes its pending
// terms as a segment at every statement's savepoint, so a statement per file made a segment per
// file to merge (schema/0012: a trigger per row made one per chunk). The trigram index takes only
// chunks with non-ASCII text.
void index_chunks(db::Conn& conn, std::int64_t after) {
  for (const char* sql : {"INSERT INTO chunks_words(rowid, text) SELECT id, text FROM chunks WHERE id > ?",
                          "INSERT INTO chunks_trigram(rowid, text) SELECT id, text FROM chunks WHERE id > ? "
                          "AND length(CAST(text AS BLOB)) != length(text)"}) {
    auto& q = conn.prepare(sql);
    q.bind(1, after);
    q.exec();
  }
}

// Older uploads of the upload's filename leave the index and the file list; their stored files
// are added to `paths`.
void replace_older_versions(db::Conn& conn, const Upload& u, std::vector<std::string>& paths) {
  std::vector<std::string> older;
  {
    auto& q = conn.prepare(
        "SELECT id, storage_path FROM uploads WHERE datastore_id = ? AND filename = ? AND id != ? "
        "AND replaced_by IS NULL AND seq < (SELECT seq FROM uploads WHERE id = ?)");
    q.bind(1, u.datastore_id);
    q.bind(2, u.filename);
    q.bind(3, u.id);
    q.bind(4, u.id);
    while (q.executeStep()) {
      older.push_back(q.getColumn(0).getString());
      paths.push_back(q.getColumn(1).getString());
    }
  }
  for (const auto& old : older) {
    for_upload(conn, "DELETE FROM chunks WHERE upload_id = ?", old);
    auto& mark = conn.prepare("UPDATE uploads SET replaced_by = ? WHERE id = ?");
    mark.bind(1, u.id);
    mark.bind(2, old);
    mark.exec();
  }
}

}  // namespace

std::vector<std::string> complete_uploads(db::Conn& conn, const std::vector<ExtractedUpload>& batch, double now) {
  // Still there (not deleted while it was read)? Chunks of an earlier attempt leave first.
  std::vector<const ExtractedUpload*> present;
  for (const auto& e : batch) {
    auto& q = conn.prepare("SELECT seq FROM uploads WHERE id = ?");
    q.bind(1, e.upload.id);
    const bool there = q.executeStep();
    q.reset();
    if (!there) continue;
    present.push_back(&e);
    for_upload(conn, "DELETE FROM chunks WHERE upload_id = ?", e.upload.id);
  }
  if (present.empty()) return {};
  index_chunks(conn, insert_chunks(conn, present));
  // Older versions go once the whole batch is indexed: two versions in one batch leave the later.
  std::vector<std::string> replaced_paths;
  for (const auto* e : present) {
    auto& done = conn.prepare(
        "UPDATE uploads SET status = 'completed', indexed_at = ?, error_message = NULL WHERE id = ?");
    done.bind(1, iso8601_unix(now));
    done.bind(2, e->upload.id);
    done.exec();
    replace_older_versions(conn, e->upload, replaced_paths);
  }
  return replaced_paths;
}

void fail_upload(db::Conn& conn, const std::string& upload_id, const std::string& message) {
  auto& q = conn.prepare("UPDATE uploads SET status = 'failed', error_message = ? WHERE id = ?");
  q.bind(1, message);
  q.bind(2, upload_id);
  q.exec();
}

}  // namespace agentd::knowledge

// Uploads of a datastore and their indexing steps, in SQLite. Functions take a connection
// inside a Store transaction.
#pragma once

#include "knowledge/chunker.hpp"
#include "knowledge/datastores.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::knowledge {

struct Upload {
  std::string id;
  std::string filename, file_type, status, storage_path, uploaded_at;
  std::int64_t file_size = 0;
  std::optional<std::string> indexed_at, error_message;
  std::string datastore_public_id, datastore_name;
  std::int64_t datastore_id = 0;
};

struct NewUpload {
  std::string id;
  std::string filename, file_type, storage_path;
  std::int64_t file_size = 0;
};
// Records the upload as pending and enqueues its indexing job, in the caller's transaction.
void record_upload(db::Conn& conn, std::int64_t org_id, const Datastore& ds, const NewUpload& upload, double now);

std::optional<Upload> find_upload(db::Conn& conn, std::int64_t org_id, const std::string& upload_id);
struct UploadPage {
  std::vector<Upload> uploads;
  std::int64_t total = 0;
};
UploadPage list_uploads(db::Conn& conn, std::int64_t org_id, const std::string& status,
                        const std::optional<std::int64_t>& datastore_id, int limit, int offset);
// The files a datastore holds: its uploads not replaced by a newer one, newest first.
std::vector<Upload> datastore_files(db::Conn& conn, const Datastore& ds);
// Deletes every upload of this filename; returns their stored files (empty: no such file).
std::vector<std::string> delete_file(db::Conn& conn, const Datastore& ds, const std::string& filename);

// Indexing, step by step (the job handler in knowledge/indexer.cpp).
std::optional<Upload> begin_processing(db::Conn& conn, const std::string& upload_id);
void set_upload_status(db::Conn& conn, const std::string& upload_id, const std::string& status);
// What extraction made of an upload: its chunks, in order.
struct ExtractedUpload {
  Upload upload;
  std::vector<Chunk> chunks;
};
// Inserts the uploads' chunks into the chunks table and both indexes, completes the uploads and
// replaces older uploads of the same filenames (their chunks go in the same transaction), in the
// caller's transaction; an upload deleted meanwhile is skipped. Returns the stored files that are
// no longer needed.
std::vector<std::string> complete_uploads(db::Conn& conn, const std::vector<ExtractedUpload>& batch, double now);
void fail_upload(db::Conn& conn, const std::string& upload_id, const std::string& message);

}  // namespace agentd::knowledge

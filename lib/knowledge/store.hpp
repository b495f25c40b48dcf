// Knowledge bases in SQLite: datastores, uploads, chunks and search. Functions take a connection
// inside a Store transaction (write functions: the writer). No JSON here: the External API's
// adapter (api/external/rag.cpp) shapes responses.
#pragma once

#include "knowledge/chunker.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::knowledge {

struct Datastore {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::string public_id;
  std::string display_name;
  std::optional<std::string> description;
  std::string created_at;
  std::int64_t document_count = 0;  // completed files that search can see
};

struct DatastoreStats {
  std::int64_t total_bytes = 0;
  std::int64_t chunk_count = 0;
  std::vector<std::string> connected_agents;
};

// Throws AppError conflict `datastore_exists` (with existing_datastore_id) on a taken name.
Datastore create_datastore(db::Conn& conn, std::int64_t org_id, const std::string& name,
                           const std::optional<std::string>& description);
std::vector<Datastore> list_datastores(db::Conn& conn, std::int64_t org_id);
std::optional<Datastore> find_datastore(db::Conn& conn, std::int64_t org_id, const std::string& public_id);
DatastoreStats datastore_stats(db::Conn& conn, const Datastore& ds);
// Slugs of agents whose datastore_ids name this datastore.
std::vector<std::string> connected_agents(db::Conn& conn, const Datastore& ds);
// Deletes the datastore, its uploads and chunks, and removes it from the agents that named it;
// returns the stored files to remove.
std::vector<std::string> delete_datastore(db::Conn& conn, const Datastore& ds);

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
// Inserts the chunks, completes the upload and replaces older uploads of the same filename
// (their chunks go in the same transaction). Returns the stored files that are no longer needed.
std::vector<std::string> complete_upload(db::Conn& conn, const Upload& upload, const std::vector<Chunk>& chunks,
                                         double now);
void fail_upload(db::Conn& conn, const std::string& upload_id, const std::string& message);

struct SearchHit {
  std::int64_t chunk_id = 0;
  std::string upload_id, filename, text, heading;
  std::optional<int> page, slide, line;
  double score = 0;
};
// BM25 over the word index; for CJK terms fused (reciprocal rank) with the trigram index, which
// finds them inside longer runs of text; when too little is found, ASCII terms as prefixes and
// short CJK words by a bounded scan.
std::vector<SearchHit> search(db::Conn& conn, const Datastore& ds, const std::string& query, int top_k,
                              const std::vector<std::string>& filenames);

}  // namespace agentd::knowledge

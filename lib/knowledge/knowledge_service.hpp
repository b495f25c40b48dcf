// Knowledge-base use cases, whatever the dialect: the upload (file rules, pricing, durable
// store, indexing job) and the datastore rules (another organization's is not found; one that
// agents use is deleted only with force).
#pragma once

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/errors.hpp"
#include "db/database.hpp"
#include "jobs/scheduler.hpp"
#include "knowledge/datastores.hpp"
#include "knowledge/search.hpp"
#include "knowledge/uploads.hpp"

#include <boost/asio/awaitable.hpp>

namespace agentd::knowledge {

inline constexpr std::size_t kMaxFileBytes = 10 * 1024 * 1024;  // decoded, per file
inline constexpr std::size_t kMaxFiles = 10;

struct IncomingFile {
  std::string filename, content_type;
  std::string spool_path;  // its decoded bytes, in a file of the request's own (moved into place)
  std::int64_t size = 0;
  // A problem found while decoding it (bad base64, too large to decode), reported in file order
  // once the datastore is known to exist.
  std::optional<AppError> problem;
};

struct UploadRequest {
  std::string datastore_id;
  std::vector<IncomingFile> files;
};

struct UploadReceipt {
  Datastore datastore;
  std::vector<NewUpload> uploads;
  Micros cost = 0;
};

// 400 invalid_file_count unless 1..10 files.
void check_file_count(std::size_t n);
// 400 invalid_filename for a name with a path; returns the name.
std::string safe_filename(const std::string& name, const std::string& field);
bool supported_filename(const std::string& name);

class KnowledgeService {
 public:
  KnowledgeService(db::Database& db, boost::asio::thread_pool& cpu_pool, std::string data_dir, const Prices& prices,
                   const Clock& clock, jobs::Scheduler& jobs)
      : db_(db), cpu_pool_(cpu_pool), data_dir_(std::move(data_dir)), prices_(prices), clock_(clock), jobs_(jobs) {}

  // Each of these is one transaction; another organization's datastore or upload is not found
  // (404 datastore_not_found, for an upload with the hint to create it first; upload_not_found).
  boost::asio::awaitable<Datastore> datastore(std::int64_t org_id, std::string id, bool for_upload = false);
  boost::asio::awaitable<Datastore> create_datastore(std::int64_t org_id, std::string name,
                                                     std::optional<std::string> description);
  boost::asio::awaitable<std::vector<Datastore>> datastores(std::int64_t org_id);
  struct Described {
    Datastore datastore;
    DatastoreStats stats;
  };
  boost::asio::awaitable<Described> describe(std::int64_t org_id, std::string id);
  struct Files {
    Datastore datastore;
    std::vector<Upload> files;
  };
  boost::asio::awaitable<Files> files(std::int64_t org_id, std::string id);
  boost::asio::awaitable<std::vector<SearchHit>> search(std::int64_t org_id, std::string id, std::string query, int top_k,
                                                        std::vector<std::string> filenames);
  // The organization's uploads; of one datastore when `datastore_id` is set (none for an
  // unknown one).
  boost::asio::awaitable<UploadPage> uploads(std::int64_t org_id, std::string status,
                                             std::optional<std::string> datastore_id, int limit, int offset);
  boost::asio::awaitable<Upload> upload_status(std::int64_t org_id, std::string upload_id);
  // Validates in the documented order (datastore, then each file: type, decoding, size), writes
  // the bytes durably, records the uploads and their indexing jobs in one transaction. Any
  // invalid file stores nothing.
  boost::asio::awaitable<UploadReceipt> upload(std::int64_t org_id, UploadRequest request);
  // The reservation for an upload body of this size (before it is parsed).
  Micros upload_estimate(std::size_t body_bytes) const;
  // 409 datastore_in_use (with connected_agents) unless `force`.
  boost::asio::awaitable<void> remove_datastore(Datastore ds, bool force);
  // 404 file_not_found; returns the files left.
  boost::asio::awaitable<std::size_t> remove_file(const Datastore& ds, std::string filename);

 private:
  boost::asio::awaitable<void> remove_stored(std::vector<std::string> paths);

  db::Database& db_;
  boost::asio::thread_pool& cpu_pool_;
  std::string data_dir_;
  const Prices& prices_;
  const Clock& clock_;
  jobs::Scheduler& jobs_;
};

}  // namespace agentd::knowledge

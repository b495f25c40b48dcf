#include "knowledge/knowledge_service.hpp"

#include "core/ids.hpp"
#include "knowledge/files.hpp"

#include <boost/json.hpp>

#include <filesystem>

namespace agentd::knowledge {
namespace net = boost::asio;
namespace {

Datastore need_datastore(db::Conn& c, std::int64_t org_id, const std::string& id, bool for_upload = false) {
  auto ds = find_datastore(c, org_id, id);
  if (!ds)
    throw not_found("datastore_not_found",
                    "DataStore not found: " + id + (for_upload ? ". Create it first using POST /rag/datastores" : ""));
  return std::move(*ds);
}

}  // namespace

void check_file_count(std::size_t n) {
  if (n < 1 || n > kMaxFiles) throw validation_error("invalid_file_count", "files must contain between 1 and 10 files", "files");
}

std::string safe_filename(const std::string& name, const std::string& field) {
  if (name.empty() || name.size() > 255 || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
      name.find('\0') != std::string::npos || name == "." || name == "..")
    throw validation_error("invalid_filename", field + " must be a file name without a path", field);
  return name;
}

bool supported_filename(const std::string& name) { return file_type_for_extension(extension_of(name)).has_value(); }

net::awaitable<Datastore> KnowledgeService::datastore(std::int64_t org_id, std::string id, bool for_upload) {
  auto finding = db_.read([org_id, id, for_upload](db::Conn& c) { return need_datastore(c, org_id, id, for_upload); });
  co_return co_await std::move(finding);
}

net::awaitable<Datastore> KnowledgeService::create_datastore(std::int64_t org_id, std::string name,
                                                             std::optional<std::string> description) {
  auto creating = db_.write([org_id, name, description](db::Conn& c) {
    return knowledge::create_datastore(c, org_id, name, description);
  });
  co_return co_await std::move(creating);
}

net::awaitable<std::vector<Datastore>> KnowledgeService::datastores(std::int64_t org_id) {
  auto listing = db_.read([org_id](db::Conn& c) { return list_datastores(c, org_id); });
  co_return co_await std::move(listing);
}

net::awaitable<KnowledgeService::Described> KnowledgeService::describe(std::int64_t org_id, std::string id) {
  auto reading = db_.read([org_id, id](db::Conn& c) {
    Described out{need_datastore(c, org_id, id), {}};
    out.stats = datastore_stats(c, out.datastore);
    return out;
  });
  co_return co_await std::move(reading);
}

net::awaitable<KnowledgeService::Files> KnowledgeService::files(std::int64_t org_id, std::string id) {
  auto reading = db_.read([org_id, id](db::Conn& c) {
    Files out{need_datastore(c, org_id, id), {}};
    out.files = datastore_files(c, out.datastore);
    return out;
  });
  co_return co_await std::move(reading);
}

net::awaitable<std::vector<SearchHit>> KnowledgeService::search(std::int64_t org_id, std::string id, std::string query,
                                                                int top_k, std::vector<std::string> filenames) {
  auto searching = db_.read([org_id, id, query, top_k, filenames](db::Conn& c) {
    return knowledge::search(c, need_datastore(c, org_id, id), query, top_k, filenames);
  });
  co_return co_await std::move(searching);
}

net::awaitable<UploadPage> KnowledgeService::uploads(std::int64_t org_id, std::string status,
                                                     std::optional<std::string> datastore_id, int limit, int offset) {
  auto listing = db_.read([org_id, status, datastore_id, limit, offset](db::Conn& c) {
    std::optional<std::int64_t> ds_id;
    if (datastore_id) {
      auto ds = find_datastore(c, org_id, *datastore_id);
      if (!ds) return UploadPage{};
      ds_id = ds->id;
    }
    return list_uploads(c, org_id, status, ds_id, limit, offset);
  });
  co_return co_await std::move(listing);
}

net::awaitable<Upload> KnowledgeService::upload_status(std::int64_t org_id, std::string upload_id) {
  auto finding = db_.read([org_id, upload_id](db::Conn& c) { return find_upload(c, org_id, upload_id); });
  auto upload = co_await std::move(finding);
  if (!upload) throw not_found("upload_not_found", "Upload not found: " + upload_id);
  co_return std::move(*upload);
}

Micros KnowledgeService::upload_estimate(std::size_t body_bytes) const {
  // A base64 body decodes to about 3/4 of its size; each file may start a new megabyte.
  return per_started_mb_price(prices_.rag_upload_per_mb, static_cast<std::int64_t>(body_bytes) * 3 / 4) +
         prices_.rag_upload_per_mb * static_cast<Micros>(kMaxFiles);
}

net::awaitable<UploadReceipt> KnowledgeService::upload(std::int64_t org_id, UploadRequest req) {
  UploadReceipt receipt;
  auto finding = datastore(org_id, req.datastore_id, true);
  receipt.datastore = co_await std::move(finding);
  for (auto& f : req.files) {
    const std::string ext = extension_of(f.filename);
    const auto type = file_type_for_extension(ext);
    if (!type) throw validation_error("unsupported_file_type", "Unsupported file extension: " + (ext.empty() ? f.filename : ext));
    if (f.problem) throw *f.problem;
    if (static_cast<std::size_t>(f.size) > kMaxFileBytes) throw validation_error("file_too_large", "File size exceeds 10MB limit");
    if (f.content_type.empty() || f.content_type == "application/octet-stream") f.content_type = mime_type(*type);
    const std::string id = uuid_v4();
    receipt.uploads.push_back({id, f.filename, f.content_type, "uploads/" + id, f.size});
    receipt.cost += per_started_mb_price(prices_.rag_upload_per_mb, f.size);
  }

  // The bytes are on disk and fsynced, and the rows committed, before the answer.
  auto storing = offload(cpu_pool_, [this, &req, &receipt] {
    for (std::size_t i = 0; i < receipt.uploads.size(); ++i)
      move_file_durably(req.files[i].spool_path, (std::filesystem::path(data_dir_) / receipt.uploads[i].storage_path).string());
  });
  co_await std::move(storing);
  try {
    auto recording = db_.write([&receipt, org_id, now = clock_.unix_seconds()](db::Conn& c) {
      for (const auto& u : receipt.uploads) record_upload(c, org_id, receipt.datastore, u, now);
    });
    co_await std::move(recording);
  } catch (...) {
    std::vector<std::string> paths;
    for (const auto& u : receipt.uploads) paths.push_back(u.storage_path);
    remove_files(data_dir_, paths);
    throw;
  }
  jobs_.wake();
  co_return receipt;
}

net::awaitable<void> KnowledgeService::remove_stored(std::vector<std::string> paths) {
  auto removing = offload(cpu_pool_, [this, paths = std::move(paths)] { remove_files(data_dir_, paths); });
  co_await std::move(removing);
}

net::awaitable<void> KnowledgeService::remove_datastore(Datastore ds, bool force) {
  auto deleting = db_.write([ds, force](db::Conn& c) -> std::pair<std::vector<std::string>, std::vector<std::string>> {
    auto agents = connected_agents(c, ds);
    if (!agents.empty() && !force) return {agents, {}};
    return {{}, delete_datastore(c, ds)};
  });
  auto [agents, paths] = co_await std::move(deleting);
  if (!agents.empty()) {
    boost::json::array slugs;
    for (const auto& a : agents) slugs.emplace_back(a);
    throw AppError(ErrorKind::conflict, "datastore_in_use", "DataStore is connected to agents. Use force=true to delete anyway.",
                   {{"connected_agents", std::move(slugs)}});
  }
  auto removing = remove_stored(std::move(paths));
  co_await std::move(removing);
}

net::awaitable<std::size_t> KnowledgeService::remove_file(const Datastore& ds, std::string filename) {
  auto deleting = db_.write([ds, filename](db::Conn& c) {
    auto paths = delete_file(c, ds, filename);
    return std::make_pair(paths, datastore_files(c, ds).size());
  });
  auto [paths, remaining] = co_await std::move(deleting);
  if (paths.empty()) throw not_found("file_not_found", "File not found in DataStore: " + filename);
  auto removing = remove_stored(std::move(paths));
  co_await std::move(removing);
  co_return remaining;
}

}  // namespace agentd::knowledge

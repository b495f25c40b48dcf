#include "knowledge/indexer.hpp"

#include "core/offload.hpp"
#include "knowledge/files.hpp"
#include "knowledge/uploads.hpp"

#include <filesystem>

namespace agentd::knowledge {
namespace net = boost::asio;

namespace {

// Uploads a handler call takes at once: their status changes and their chunks are written in one
// transaction each (bench/README.md, "indexing levers"), so that a stream of small files does not
// cost four commits and an FTS5 segment per file.
constexpr int kBatch = 8;

std::string upload_id_of(const jobs::Job& job) {
  const auto* v = job.payload.if_contains("upload_id");
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// One upload of the batch: what extraction made of it, or why it failed (that job alone).
struct Work {
  const jobs::Job* job = nullptr;
  ExtractedUpload file;
  std::optional<FileType> type;
  std::optional<jobs::JobError> error;
};

net::awaitable<void> index_uploads(const IndexerDeps& deps, const std::vector<jobs::Job>& batch, jobs::JobContext& ctx) {
  std::vector<std::string> ids;
  for (const auto& job : batch) ids.push_back(upload_id_of(job));
  auto beginning = deps.db.write([ids](db::Conn& c) {
    std::vector<std::optional<Upload>> out;
    for (const auto& id : ids) out.push_back(begin_processing(c, id));
    return out;
  });
  const std::vector<std::optional<Upload>> begun = co_await std::move(beginning);
  std::vector<Work> work;
  for (std::size_t i = 0; i < batch.size(); ++i)
    if (begun[i]) work.push_back({&batch[i], {*begun[i], {}}, file_type_for_extension(extension_of(begun[i]->filename)), {}});
  if (work.empty()) co_return;  // deleted meanwhile, or already finished

  auto extracting = offload(deps.cpu_pool, [&work, data_dir = deps.data_dir, cancelled = ctx.cancelled] {
    for (auto& w : work) {
      if (!w.type) {
        w.error.emplace("Unsupported file extension: " + extension_of(w.file.upload.filename), true);
        continue;
      }
      try {
        std::string bytes;
        try {
          bytes = read_file((std::filesystem::path(data_dir) / w.file.upload.storage_path).string());
        } catch (const std::exception&) {
          throw ExtractError("The stored file is missing");
        }
        auto sections = extract(*w.type, bytes);
        if (cancelled->load()) throw ExtractError("timed out: the job overran its lease");
        w.file.chunks = chunk_sections(sections);
      } catch (const ExtractError& e) {
        w.error.emplace(e.what(), true);
      } catch (const std::exception& e) {
        w.error.emplace(e.what(), false);  // retried
      }
    }
  });
  co_await std::move(extracting);
  std::vector<ExtractedUpload> extracted;
  for (auto& w : work) {
    if (w.error) ctx.failed.emplace(w.job->id, *w.error);
    else extracted.push_back(std::move(w.file));
  }
  if (extracted.empty()) co_return;

  auto marking = deps.db.write([&extracted](db::Conn& c) {
    for (const auto& e : extracted) set_upload_status(c, e.upload.id, "indexing");
  });
  co_await std::move(marking);
  const double now = deps.clock.unix_seconds();
  auto storing = deps.db.write([&extracted, now](db::Conn& c) { return complete_uploads(c, extracted, now); });
  const std::vector<std::string> replaced = co_await std::move(storing);
  if (replaced.empty()) co_return;
  // The replaced versions' bytes, off the writer thread.
  auto removing = offload(deps.cpu_pool, [&deps, &replaced] { remove_files(deps.data_dir, replaced); });
  co_await std::move(removing);
}

}  // namespace

void register_indexer(jobs::Scheduler& jobs, IndexerDeps deps) {
  jobs::KindOptions options;
  options.concurrency = 2;
  options.batch = kBatch;
  options.lease_seconds = 300;
  options.max_attempts = 3;
  options.on_failed = [](db::Conn& c, const jobs::Job& job, const std::string& reason) {
    fail_upload(c, upload_id_of(job), reason);
  };
  jobs.add_batch_kind("rag_index", options, [deps](const std::vector<jobs::Job>& batch, jobs::JobContext& ctx) {
    return index_uploads(deps, batch, ctx);
  });
}

}  // namespace agentd::knowledge

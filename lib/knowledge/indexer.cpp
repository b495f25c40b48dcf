#include "knowledge/indexer.hpp"

#include "core/offload.hpp"
#include "knowledge/files.hpp"
#include "knowledge/uploads.hpp"

#include <filesystem>

namespace agentd::knowledge {
namespace net = boost::asio;

namespace {

std::string upload_id_of(const jobs::Job& job) {
  const auto* v = job.payload.if_contains("upload_id");
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

net::awaitable<void> index_upload(const IndexerDeps& deps, const jobs::Job& job, jobs::JobContext& ctx) {
  const std::string upload_id = upload_id_of(job);
  auto beginning = deps.db.write([upload_id](db::Conn& c) { return begin_processing(c, upload_id); });
  const std::optional<Upload> upload = co_await std::move(beginning);
  if (!upload) co_return;

  const auto type = file_type_for_extension(extension_of(upload->filename));
  if (!type) throw jobs::JobError("Unsupported file extension: " + extension_of(upload->filename), true);
  const std::string path = (std::filesystem::path(deps.data_dir) / upload->storage_path).string();
  auto extracting = offload(deps.cpu_pool, [path, type = *type, cancelled = ctx.cancelled] {
    std::string bytes;
    try {
      bytes = read_file(path);
    } catch (const std::exception&) {
      throw ExtractError("The stored file is missing");
    }
    auto sections = extract(type, bytes);
    if (cancelled->load()) throw ExtractError("timed out: the job overran its lease");
    return chunk_sections(sections);
  });
  std::vector<Chunk> chunks;
  try {
    chunks = co_await std::move(extracting);
  } catch (const ExtractError& e) {
    throw jobs::JobError(e.what(), true);
  }

  auto marking = deps.db.write([upload_id](db::Conn& c) { set_upload_status(c, upload_id, "indexing"); });
  co_await std::move(marking);
  const double now = deps.clock.unix_seconds();
  auto indexing = offload(deps.db.writer(), [&deps, &upload, &chunks, now] {
    auto replaced = deps.db.store().write([&](db::Conn& c) { return complete_upload(c, *upload, chunks, now); });
    remove_files(deps.data_dir, replaced);
  });
  co_await std::move(indexing);
}

}  // namespace

void register_indexer(jobs::Scheduler& jobs, IndexerDeps deps) {
  jobs::KindOptions options;
  options.concurrency = 2;
  options.lease_seconds = 300;
  options.max_attempts = 3;
  options.on_failed = [](db::Conn& c, const jobs::Job& job, const std::string& reason) {
    fail_upload(c, upload_id_of(job), reason);
  };
  jobs.add_kind("rag_index", options, [deps](const jobs::Job& job, jobs::JobContext& ctx) {
    return index_upload(deps, job, ctx);
  });
}

}  // namespace agentd::knowledge

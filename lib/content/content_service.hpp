// Generated content, whatever asks for it (API.md 3.5, seed 003): create (the price held, a
// `content_generate` job queued), list, get, retry; and the job that generates: pending ->
// processing -> completed (the file in signed storage, the hold charged) | failed (a reason,
// the hold released). Models: builtin/<type> (drawn offline, content/builtin_generators.hpp) or
// replicate/OWNER/NAME[:VERSION] (content/replicate.hpp). The job is the queue's: leases, the watchdog and restart recovery
// apply, so a server killed mid-generation finishes the item after it starts again.
#pragma once

#include "agents/runtime.hpp"
#include "content/content_items.hpp"
#include "content/replicate.hpp"
#include "content/storage.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/errors.hpp"
#include "db/database.hpp"
#include "jobs/scheduler.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>

namespace agentd::content {

struct NewContent {
  std::int64_t org_id = 0, user_id = 0;
  std::string key_id;
  std::string prompt, content_type = "image", model;  // model empty: builtin/<content_type>
  boost::json::object input;
};

struct Retried {
  std::string id;
  int attempt = 0, max_retries = 0;
};

class ContentService {
 public:
  // `threads`: the generation pool's size (threads of its own, at the lowest CPU priority).
  ContentService(db::Database& db, int threads, const Storage& storage, const Prices& prices, const Clock& clock,
                 jobs::Scheduler& jobs, ReplicateClient& replicate)
      : db_(db), generation_pool_(static_cast<std::size_t>(std::max(1, threads))), storage_(storage), prices_(prices),
        clock_(clock), jobs_(jobs), replicate_(replicate) {}
  ~ContentService() { generation_pool_.join(); }

  // 400 content_invalid_request naming what is wrong, 402 when the price cannot be held.
  boost::asio::awaitable<ContentItem> create(NewContent request);
  boost::asio::awaitable<ItemPage> list(std::int64_t org_id, std::string content_type, std::string status,
                                        std::int64_t offset, std::int64_t limit);
  // 404 content_not_found ("Content not found: ID"), also for another organization's id.
  boost::asio::awaitable<ContentItem> get(std::int64_t org_id, std::string id);
  // 400 content_not_retryable / content_retries_exhausted in the seed's words.
  boost::asio::awaitable<Retried> retry(std::int64_t org_id, std::string key_id, std::string id);

  // The generate_content tool: queues a generation and says, for the model, its id and the
  // (relative) signed URL it will have; a refusal (402, a type not made yet) is said as such.
  boost::asio::awaitable<std::string> tool_result(agents::ContentRequest request);

  // Registers the `content_generate` job kind.
  void register_jobs();

 private:
  boost::asio::awaitable<void> generate(const jobs::Job& job, jobs::JobContext& ctx);
  // The builtin's file, drawn on the generation pool; returns its storage path.
  boost::asio::awaitable<std::string> draw(const ContentItem& item);
  // A Replicate prediction followed to its end and its output stored; returns the storage path
  // and sets `output_url`. Empty when the watchdog cancelled the job.
  boost::asio::awaitable<std::string> predict(const ContentItem& item, jobs::JobContext& ctx, std::string& output_url);

  db::Database& db_;
  // Generation's own threads: they lower their priority (nice 19) for good, so they must not be
  // the shared CPU pool's, whose threads also serve /storage reads, extraction and checkpoints.
  boost::asio::thread_pool generation_pool_;
  const Storage& storage_;
  const Prices& prices_;
  const Clock& clock_;
  jobs::Scheduler& jobs_;
  ReplicateClient& replicate_;
};

AppError content_error(ErrorKind kind, std::string code, std::string message);

}  // namespace agentd::content

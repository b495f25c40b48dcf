// The `rag_index` job: extract an upload's text on the CPU pool, chunk it and index it, up to
// eight uploads per handler call (their status changes and chunks one transaction each; each
// job keeps its own outcome). Its upload goes pending -> processing -> indexing -> completed,
// or failed with a reason whenever the job fails for good (a broken file at once; anything else
// after its retries, the watchdog or repeated restarts).
#pragma once

#include "core/clock.hpp"
#include "db/database.hpp"
#include "jobs/scheduler.hpp"

namespace agentd::knowledge {

struct IndexerDeps {
  db::Database& db;
  boost::asio::thread_pool& cpu_pool;  // extraction
  std::string data_dir;
  const Clock& clock;
};

void register_indexer(jobs::Scheduler& jobs, IndexerDeps deps);

}  // namespace agentd::knowledge

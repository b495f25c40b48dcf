// The `rag_index` job: extract an upload's text on the CPU pool, chunk it and index it. Its
// upload goes pending -> processing -> indexing -> completed, or failed with a reason whenever
// the job fails for good (a broken file at once; anything else after its retries, the watchdog
// or repeated restarts).
#pragma once

namespace agentd { struct App; }

namespace agentd::knowledge {

void register_indexer(App& app);

}  // namespace agentd::knowledge

// An agent's memories (API.md 5, 7): what it was told to keep. Part of its knowledge: the
// runtime recalls the best-matching ones beside datastore chunks (BM25 over their words,
// memories_words), and the `remember` tool stores one. Their CRUD is the Workspace API's.
#pragma once

#include "db/records.hpp"

#include <string>
#include <vector>

namespace agentd::knowledge {

const db::Kind& memory_kind();

struct Recalled {
  std::string id, content;
  double score = 0;  // BM25, higher is better
};
// The agent's memories that share words with `query`, best first, at most `limit`; archived
// ones are not recalled.
std::vector<Recalled> recall(db::Conn& conn, std::int64_t org_id, const std::string& agent_id, const std::string& query,
                             int limit);
// Stores `content` as a working memory of the agent.
db::Record remember(db::Conn& conn, std::int64_t org_id, const std::string& agent_id, const std::string& content,
                    double now);

}  // namespace agentd::knowledge

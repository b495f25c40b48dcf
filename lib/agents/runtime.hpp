// Runs an agent (API.md 3.2, 7): LLM_AGENT calls its model in a tool loop (server tools run
// here, client tools end the run with finish_reason tool_calls); SEQUENTIAL_AGENT runs its
// sub-agents in order, each seeing the previous answer; PARALLEL_AGENT runs them concurrently
// on the io thread and joins the answers under their names; LOOP_AGENT repeats them until an
// answer has a line DONE or max_iterations is reached.
#pragma once

#include "agents/context.hpp"
#include "agents/registry.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "models/providers.hpp"
#include "models/types.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>

namespace agentd::agents {

struct Citation {
  int index = 0;
  std::string datastore_id, upload_id, filename, text, heading;
  std::optional<int> page, slide, line;
  double relevance = 0;  // the search score (knowledge/relevance.hpp), for the model
};

struct Invocation {
  std::int64_t org_id = 0;
  std::int64_t user_id = 0;  // whose request (the owner of what a tool creates)
  std::vector<models::ChatMessage> messages;  // the session's history, then the new turns
  std::vector<models::ToolSpec> client_tools;
  boost::json::value tool_choice;
  models::Sampling sampling;
  models::TextSink sink;  // set: streaming; receives the answer text as it is produced
};

struct RunResult {
  std::string content;
  std::vector<models::ToolCall> tool_calls;  // client tools to call (finish_reason tool_calls)
  std::string finish_reason = "stop";
  models::Usage usage;
  std::vector<Citation> citations;
  int llm_calls = 0;
};

// The orchestrator's own identity when an organization has no active agent.
extern const char* const kOrchestratorId;

// What running an agent needs: its datastores and memories, the model providers, the io
// executor that parallel sub-agents run on, how context windows are shared, and the clock.
// The generate_content tool's way to the content service, which sits above this layer: it
// queues a generation and returns the tool's result for the model ({"message": ...}).
struct ContentRequest {
  std::int64_t org_id = 0, user_id = 0;
  std::string prompt, content_type;
};
using ContentMaker = std::function<boost::asio::awaitable<std::string>(ContentRequest)>;

struct Runtime {
  db::Database& db;
  models::Providers& providers;
  boost::asio::any_io_executor executor;
  const ContextSettings& context;
  const Clock& clock;  // reminders' times, memories' dates
  ContentMaker make_content{};  // empty: generate_content is not offered
};

// The provider and window of an LLM agent's model. Throws 503 model_unavailable, naming the
// agent, when its provider is not configured.
models::Providers::Resolved model_of(const Runtime& rt, const Agent& agent);

// The context budget of one call of `agent`'s model with every tool offered (its server tools
// and the client's). A container agent is budgeted with the builtin window; each of its
// sub-agents' calls is fitted again to its own model's window.
Budget budget_for(const Runtime& rt, const Agent& agent, const std::vector<models::ToolSpec>& client_tools,
                  const models::Sampling& sampling);

boost::asio::awaitable<RunResult> run_agent(const Runtime& rt, const Agent& agent, Invocation invocation);

// Routing (API.md 3.2): the active agent whose name, description and instruction best match
// the question by BM25, else the default agent (the oldest active one); nullopt when the
// organization has no active agent.
std::optional<Agent> route(const std::vector<Agent>& active, const std::string& question);

}  // namespace agentd::agents

#include "agents/runtime.hpp"

#include "agents/workspace_tools.hpp"
#include "core/errors.hpp"
#include "core/log.hpp"
#include "knowledge/search.hpp"
#include "models/builtin.hpp"
#include "models/providers.hpp"
#include "models/tokens.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace agentd::agents {
namespace net = boost::asio;
namespace json = boost::json;
using models::ChatMessage;

const char* const kOrchestratorId = "orchestrator";

namespace {

constexpr int kMaxDepth = 4;  // containers inside containers; deeper (or a cycle) is refused
constexpr int kSearchTopK = 5;

struct Run {
  const Runtime& rt;
  const Invocation& inv;
  std::vector<Citation> citations;  // shared by every step, so markers stay unique
  models::Usage usage;
  int llm_calls = 0;
};

models::ToolSpec server_tool(const std::string& name) {
  if (name == "rag_search")
    return {name, "Search the agent's knowledge bases; returns numbered passages to cite as [n].",
            json::parse(R"({"type":"object","properties":{"query":{"type":"string","description":"what to look for"}},"required":["query"]})")};
  if (name == "remember")
    return {name, "Store a fact to remember in later conversations.",
            json::parse(R"({"type":"object","properties":{"content":{"type":"string","description":"the fact, as a sentence"}},"required":["content"]})")};
  if (name == "generate_content")
    return {name, "Generate an image, audio, video, 3D model (glb) or document (other) from a description; returns its id and URL.",
            json::parse(R"({"type":"object","properties":{"prompt":{"type":"string","description":"what to generate"},"content_type":{"type":"string","enum":["image","audio","video","glb","other"]}},"required":["prompt"]})")};
  if (name == "create_reminder")
    return {name, "Schedule a reminder that the agent posts into its room at the given time.",
            json::parse(R"({"type":"object","properties":{"text":{"type":"string","description":"what to remind of"},"scheduledAt":{"type":"string","description":"ISO 8601 UTC time, or 'in 10 minutes', 'at 15:00'"}},"required":["text","scheduledAt"]})")};
  return {};
}

// The server tools this service runs.
bool runnable(const std::string& name) {
  return name == "rag_search" || name == "remember" || name == "create_reminder" || name == "generate_content";
}

std::vector<models::ToolSpec> offered_tools(const Agent& agent, const std::vector<models::ToolSpec>& client_tools,
                                            bool server_tools) {
  std::vector<models::ToolSpec> tools;
  if (server_tools)
    for (const auto& t : agent.tools)
      if (runnable(t)) tools.push_back(server_tool(t));
  tools.insert(tools.end(), client_tools.begin(), client_tools.end());
  return tools;
}

bool has_server_tools(const Agent& agent) { return std::any_of(agent.tools.begin(), agent.tools.end(), runnable); }

// The passages as the model reads them, as many as fit `space` tokens, the last one cut to fit.
// Citations are made for those sent only.
std::string cite_within(Run& run, std::vector<Citation> passages, int space) {
  json::array results;
  int used = models::count_tokens(R"({"results":[]})");
  for (auto& c : passages) {
    c.index = static_cast<int>(run.citations.size()) + 1;
    json::object r{{"index", c.index}, {"filename", c.filename}, {"text", c.text}};
    if (c.page) r["page"] = *c.page;
    if (c.slide) r["slide"] = *c.slide;
    if (c.line) r["line"] = *c.line;
    if (!c.heading.empty()) r["heading"] = c.heading;
    r["relevance"] = std::round(c.relevance * 1000) / 1000;
    const int tokens = models::count_tokens(json::serialize(r));
    if (used + tokens > space) {
      const int room = space - used - (tokens - models::count_tokens(c.text));
      if (room < 16) break;
      c.text = std::string(models::cut_to_tokens(c.text, room - 4)) + " ...";
      r["text"] = c.text;
      used = space;
    } else {
      used += tokens;
    }
    results.push_back(std::move(r));
    run.citations.push_back(std::move(c));
    if (used >= space) break;
  }
  return json::serialize(json::object{{"results", std::move(results)}});
}

net::awaitable<std::string> run_rag_search(Run& run, const Agent& agent, const std::string& arguments, int space) {
  json::error_code ec;
  const json::value args = json::parse(arguments, ec);
  std::string query;
  if (!ec && args.is_object())
    if (const auto* q = args.as_object().if_contains("query"); q && q->is_string()) query = q->as_string();
  if (query.empty()) co_return R"({"error":"query is required"})";
  const auto org = run.inv.org_id;
  const auto ids = agent.datastore_ids;
  struct Found {
    std::string datastore_id;
    knowledge::SearchHit hit;
  };
  auto work = run.rt.db.read([org, ids, query](db::Conn& c) {
    std::vector<Found> found;
    for (const auto& id : ids)
      if (auto ds = knowledge::find_datastore(c, org, id))
        for (auto& h : knowledge::search(c, *ds, query, kSearchTopK, {})) found.push_back({id, std::move(h)});
    return found;
  });
  auto found = co_await std::move(work);
  std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.hit.score > b.hit.score; });
  if (found.size() > static_cast<std::size_t>(kSearchTopK)) found.resize(kSearchTopK);
  std::vector<Citation> passages;
  for (auto& f : found)
    passages.push_back({0, f.datastore_id, f.hit.upload_id, f.hit.filename, f.hit.text, f.hit.heading, f.hit.page,
                        f.hit.slide, f.hit.line, f.hit.score});
  co_return cite_within(run, std::move(passages), space);
}

net::awaitable<std::string> run_server_tool(Run& run, const Agent& agent, const models::ToolCall& call, int space) {
  if (call.name == "remember") {
    auto running = run_remember(run.rt.db, run.rt.clock, run.inv.org_id, agent.id, call.arguments);
    co_return co_await std::move(running);
  }
  if (call.name == "generate_content") {
    ContentRequest request{run.inv.org_id, run.inv.user_id, string_argument(call.arguments, "prompt"),
                           string_argument(call.arguments, "content_type")};
    if (!run.rt.make_content) co_return R"({"error":"content generation is not available on this server"})";
    auto making = run.rt.make_content(std::move(request));
    co_return co_await std::move(making);
  }
  if (call.name == "create_reminder") {
    auto running = run_create_reminder(run.rt.db, run.rt.clock, run.inv.org_id, agent.id, call.arguments);
    co_return co_await std::move(running);
  }
  auto searching = run_rag_search(run, agent, call.arguments, space);
  co_return co_await std::move(searching);
}

net::awaitable<RunResult> run_any(Run& run, const Agent& agent, std::vector<ChatMessage> messages,
                                  const models::TextSink& sink, int depth);

net::awaitable<RunResult> run_llm(Run& run, const Agent& agent, std::vector<ChatMessage> messages,
                                  const models::TextSink& sink) {
  const auto resolved = model_of(run.rt, agent);
  const Budget budget = budget_for(run.rt, agent, run.inv.client_tools, run.inv.sampling);
  int tool_space = budget.tool_results;  // what server tools' results may still take
  models::CompletionRequest req;
  req.model = resolved.model;
  req.instruction = system_instruction(agent);
  req.agent_name = agent.name;
  req.messages = std::move(messages);
  req.tool_choice = run.inv.tool_choice;
  req.sampling = run.inv.sampling;
  if (!req.sampling.temperature) req.sampling.temperature = agent.temperature;
  if (agent.max_output_tokens)
    req.sampling.max_tokens = std::min(req.sampling.max_tokens.value_or(*agent.max_output_tokens), *agent.max_output_tokens);

  // What the agent remembers of the newest question goes right before it, so that it stays
  // with the newest turn, within a tenth of the window.
  if (auto last = std::find_if(req.messages.rbegin(), req.messages.rend(), [](const ChatMessage& m) { return m.role == "user"; });
      last != req.messages.rend()) {
    auto recalling = memory_note(run.rt.db, run.inv.org_id, agent.id, last->content, budget.window / 10);
    if (auto note = co_await std::move(recalling)) req.messages.insert(last.base() - 1, std::move(*note));
  }

  RunResult result;
  const int max_calls = std::max(1, agent.max_llm_calls);
  for (int call = 1;; ++call) {
    // The last allowed call offers no server tool, so that the model answers.
    req.tools = offered_tools(agent, run.inv.client_tools, call < max_calls);
    // Fitted to this model's window: a sub-agent's may be smaller than the conversation's.
    const int room = budget.window - budget.output - models::fixed_tokens(req.instruction, req.tools);
    // The leading system messages (the conversation's preamble, the summary) always go.
    std::size_t pinned = 0;
    int turns_room = room;
    for (; pinned < req.messages.size() && req.messages[pinned].role == "system"; ++pinned)
      turns_room -= models::message_tokens(req.messages[pinned]);
    const std::size_t first = fit_turns(req.messages, pinned, turns_room, budget);
    req.messages.erase(req.messages.begin() + static_cast<std::ptrdiff_t>(pinned),
                       req.messages.begin() + static_cast<std::ptrdiff_t>(first));

    auto completing = resolved.provider->complete(req, sink);
    models::Completion c = co_await std::move(completing);
    ++run.llm_calls;
    run.usage += c.usage;
    result.content += c.content;
    if (c.tool_calls.empty()) {
      result.finish_reason = c.finish_reason;
      co_return result;
    }
    // Calls to the client's tools go back to the client (server tools in the same answer are
    // dropped: the client cannot run them); a model that still wants server tools after its
    // last allowed call ends with what it said.
    std::vector<models::ToolCall> for_client;
    for (const auto& t : c.tool_calls)
      if (!runnable(t.name)) for_client.push_back(t);
    if (!for_client.empty()) {
      result.tool_calls = std::move(for_client);
      result.finish_reason = "tool_calls";
      co_return result;
    }
    if (call >= max_calls) {
      result.finish_reason = "stop";
      co_return result;
    }
    req.messages.push_back({"assistant", c.content, {}, {}, c.tool_calls});
    for (const auto& t : c.tool_calls) {
      auto running = run_server_tool(run, agent, t, tool_space - 3);
      std::string output = co_await std::move(running);
      tool_space -= 3 + models::count_tokens(output);
      req.messages.push_back({"tool", std::move(output), {}, t.id, {}});
    }
  }
}

net::awaitable<std::vector<Agent>> load_sub_agents(Run& run, const Agent& agent) {
  const auto org = run.inv.org_id;
  const auto refs = agent.sub_agents;
  auto work = run.rt.db.read([org, refs](db::Conn& c) {
    std::vector<Agent> subs;
    for (const auto& r : refs)
      if (auto a = find_agent(c, org, r); a && a->is_active) subs.push_back(std::move(*a));
    return subs;
  });
  co_return co_await std::move(work);
}

std::vector<ChatMessage> with_previous(const std::vector<ChatMessage>& messages, const Agent& previous,
                                       const std::string& answer) {
  auto out = messages;
  out.push_back({"system", "The previous step (" + previous.name + ") answered:\n" + answer, {}, {}, {}});
  return out;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// A LOOP_AGENT's stop signal: a line that says DONE (spaces and a final period allowed).
bool is_done_line(std::string_view line) {
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
  while (!line.empty() && (std::isspace(static_cast<unsigned char>(line.back())) || line.back() == '.')) line.remove_suffix(1);
  return line == "DONE";
}

bool has_done_line(const std::string& text) {
  const auto lines = lines_of(text);
  return std::any_of(lines.begin(), lines.end(), is_done_line);
}

std::string without_done_lines(const std::string& text) {
  std::string out;
  for (auto line : lines_of(text))
    if (!is_done_line(line)) out += (out.empty() ? "" : "\n") + std::string(line);
  return out;
}

net::awaitable<RunResult> run_container(Run& run, const Agent& agent, std::vector<ChatMessage> messages,
                                        const models::TextSink& sink, int depth) {
  if (depth >= kMaxDepth)
    throw AppError(ErrorKind::unprocessable, "agent_nesting_too_deep",
                   "Agent '" + agent.slug + "' nests sub-agents deeper than " + std::to_string(kMaxDepth) + " levels");
  auto loading = load_sub_agents(run, agent);
  const std::vector<Agent> subs = co_await std::move(loading);
  if (subs.empty())
    throw AppError(ErrorKind::unprocessable, "agent_has_no_sub_agents", "Agent '" + agent.slug + "' has no active sub-agents");
  const models::TextSink none;
  RunResult out;

  if (agent.agent_type == "PARALLEL_AGENT") {
    using Op = decltype(net::co_spawn(run.rt.executor, run_any(run, subs[0], messages, none, depth + 1), net::deferred));
    std::vector<Op> ops;
    for (const auto& sub : subs) ops.push_back(net::co_spawn(run.rt.executor, run_any(run, sub, messages, none, depth + 1), net::deferred));
    auto group = net::experimental::make_parallel_group(std::move(ops));
    auto waiting = group.async_wait(net::experimental::wait_for_all(), net::use_awaitable);
    auto [order, errors, results] = co_await std::move(waiting);
    for (std::size_t i = 0; i < subs.size(); ++i) {
      if (errors[i]) std::rethrow_exception(errors[i]);
      if (!out.content.empty()) out.content += "\n\n";
      out.content += "**" + subs[i].name + "**: " + results[i].content;
    }
    if (sink) {
      auto streaming = models::stream_words(out.content, sink);
      co_await std::move(streaming);
    }
    co_return out;
  }

  const bool loop = agent.agent_type == "LOOP_AGENT";
  const int rounds = loop ? std::max(1, agent.max_iterations) : 1;
  const Agent* previous = nullptr;
  std::string answer;
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < subs.size(); ++i) {
      // In a sequence the last step streams as it goes; a loop cannot know its last step.
      const bool last = !loop && i + 1 == subs.size();
      auto input = previous ? with_previous(messages, *previous, answer) : messages;
      auto step = run_any(run, subs[i], std::move(input), last ? sink : none, depth + 1);
      RunResult r = co_await std::move(step);
      answer = std::move(r.content);
      previous = &subs[i];
      out.finish_reason = r.finish_reason;
      if (loop && has_done_line(answer)) {
        out.content = without_done_lines(answer);
        if (sink) {
      auto streaming = models::stream_words(out.content, sink);
      co_await std::move(streaming);
    }
        co_return out;
      }
    }
  }
  out.content = answer;
  if (loop && sink) {
    auto streaming = models::stream_words(out.content, sink);
    co_await std::move(streaming);
  }
  co_return out;
}

net::awaitable<RunResult> run_any(Run& run, const Agent& agent, std::vector<ChatMessage> messages,
                                  const models::TextSink& sink, int depth) {
  if (agent.agent_type == "LLM_AGENT") {
    auto step = run_llm(run, agent, std::move(messages), sink);
    co_return co_await std::move(step);
  }
  auto step = run_container(run, agent, std::move(messages), sink, depth);
  co_return co_await std::move(step);
}

}  // namespace

models::Providers::Resolved model_of(const Runtime& rt, const Agent& agent) {
  if (auto found = rt.providers.find(agent.model)) return std::move(*found);
  throw AppError(ErrorKind::unavailable, "model_unavailable",
                 "Agent '" + agent.name + "' is unavailable: its model provider '" +
                     agent.model.substr(0, agent.model.find('/')) + "' is not configured on this server");
}

Budget budget_for(const Runtime& rt, const Agent& agent, const std::vector<models::ToolSpec>& client_tools,
                  const models::Sampling& sampling) {
  if (agent.agent_type != "LLM_AGENT")
    return plan_budget(agent, "builtin", rt.context.builtin_window, sampling.max_tokens,
                       models::fixed_tokens(system_instruction(agent), client_tools), false, rt.context);
  const bool server_tools = has_server_tools(agent);
  return plan_budget(agent, agent.model, model_of(rt, agent).context_window, sampling.max_tokens,
                     models::fixed_tokens(system_instruction(agent), offered_tools(agent, client_tools, true)), server_tools,
                     rt.context);
}

net::awaitable<RunResult> run_agent(const Runtime& rt, const Agent& agent, Invocation invocation) {
  Run run{rt, invocation, {}, {}, 0};
  auto step = run_any(run, agent, std::move(invocation.messages), invocation.sink, 0);
  RunResult result = co_await std::move(step);
  result.usage = run.usage;
  result.citations = std::move(run.citations);
  result.llm_calls = run.llm_calls;
  // Only the markers the answer uses are cited.
  std::vector<Citation> used;
  for (auto& c : result.citations)
    if (result.content.find("[" + std::to_string(c.index) + "]") != std::string::npos) used.push_back(std::move(c));
  result.citations = std::move(used);
  co_return result;
}

}  // namespace agentd::agents

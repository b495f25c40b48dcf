#include "agents/conversation.hpp"

#include "core/errors.hpp"
#include "core/ids.hpp"
#include "server/app.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace agentd::agents {
namespace net = boost::asio;
namespace json = boost::json;

namespace {

// The orchestrator answers itself when an organization has no active agent.
Agent orchestrator_agent() {
  Agent a;
  a.id = a.uuid = a.slug = kOrchestratorId;
  a.name = "Orchestrator";
  a.model = "builtin";
  return a;
}

}  // namespace

json::object citation_json(const Citation& c) {
  json::object o{{"index", c.index}, {"datastore_id", c.datastore_id}, {"filename", c.filename},
                 {"upload_id", c.upload_id}};
  if (c.page) o["page"] = *c.page;
  if (c.slide) o["slide"] = *c.slide;
  if (c.line) o["line"] = *c.line;
  if (!c.heading.empty()) o["heading"] = c.heading;
  o["text"] = c.text;
  return o;
}

json::object usage_json(const models::Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}, {"total_tokens", u.total()}};
}

std::string last_user_text(const std::vector<models::ChatMessage>& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it)
    if (it->role == "user") return it->content;
  return {};
}

net::awaitable<Conversation> open_conversation(App& app, const SessionOwner& owner, std::string session_id,
                                               const std::vector<models::ChatMessage>& messages) {
  Conversation conv;
  conv.owner = owner;
  if (!session_id.empty()) {
    auto work = app.read_db([owner, session_id](db::Conn& c) {
      std::pair<std::optional<Session>, std::vector<models::ChatMessage>> out;
      out.first = find_session(c, owner, session_id);
      if (out.first) out.second = session_history(c, *out.first);
      return out;
    });
    auto [session, history] = co_await std::move(work);
    if (session) conv.session = std::move(*session);
    conv.context = std::move(history);
  }
  if (conv.session.id == 0) conv.session.public_id = session_id.empty() ? uuid_v4() : session_id;
  // The client may resend the conversation so far: a leading run that repeats the stored
  // history verbatim is not a new turn.
  const auto& history = conv.context;
  std::size_t repeated = 0;
  while (repeated < messages.size() && repeated < history.size() &&
         messages[repeated].role == history[repeated].role && messages[repeated].content == history[repeated].content &&
         messages[repeated].tool_call_id == history[repeated].tool_call_id)
    ++repeated;
  conv.new_turns.assign(messages.begin() + static_cast<std::ptrdiff_t>(repeated), messages.end());
  conv.context.insert(conv.context.end(), conv.new_turns.begin(), conv.new_turns.end());
  co_return conv;
}

net::awaitable<Target> resolve_target(App& app, std::int64_t org_id, std::string ref, std::string question,
                                      bool must_exist, std::string previous_agent_id) {
  const bool orchestrator = ref.empty() || ref == kOrchestratorId;
  // Routing scores every agent profile: done on the worker beside the read, not on the io thread.
  auto work = app.read_db([org_id, ref, orchestrator, question, previous_agent_id](db::Conn& c) {
    std::pair<std::optional<Agent>, std::optional<Agent>> found;  // named, routed
    if (!orchestrator) found.first = find_agent(c, org_id, ref);
    if (found.first) return found;
    auto active = list_agents(c, org_id, "", true);
    // The session's previous agent goes first: route() falls back to the first one.
    auto previous = std::find_if(active.begin(), active.end(), [&](const Agent& a) { return a.id == previous_agent_id; });
    if (previous != active.end()) std::rotate(active.begin(), previous, previous + 1);
    found.second = route(active, question);
    return found;
  });
  auto [named, routed] = co_await std::move(work);
  if (named) {
    if (!named->is_active) throw AppError(ErrorKind::conflict, "agent_inactive", "Agent is not active: " + ref);
    co_return Target{std::move(*named), true};
  }
  if (must_exist) throw not_found("agent_not_found", "Agent not found: " + ref);
  co_return Target{routed ? std::move(*routed) : orchestrator_agent(), false};
}

net::awaitable<void> record_turn(App& app, Conversation& conversation, const Agent& agent, const RunResult& result) {
  std::vector<NewTurn> turns;
  for (const auto& m : conversation.new_turns) turns.push_back({m, {}, std::nullopt, {}});
  NewTurn answer;
  answer.message.role = "assistant";
  answer.message.content = result.content;
  answer.message.tool_calls = result.tool_calls;
  answer.agent_id = agent.id;
  answer.usage = usage_json(result.usage);
  for (const auto& c : result.citations) answer.citations.push_back(citation_json(c));
  turns.push_back(std::move(answer));
  const double now = app.clock.unix_seconds();
  auto work = app.write_db([owner = conversation.owner, id = conversation.session.public_id, turns = std::move(turns),
                            now](db::Conn& c) mutable {
    Session session = open_session(c, owner, id, now);
    append_turns(c, session, turns, now);
    return session;
  });
  conversation.session = co_await std::move(work);
}

}  // namespace agentd::agents

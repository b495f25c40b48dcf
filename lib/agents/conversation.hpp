// One conversational turn, whatever the dialect: resolve who answers (a named agent or the
// orchestrator's choice), open the session and apply the context rule of API.md 3.1, run the
// agent, store the turn. Dialect adapters parse requests and shape answers around these steps.
#pragma once

#include "agents/runtime.hpp"
#include "agents/sessions.hpp"

namespace agentd::agents {

struct Conversation {
  SessionOwner owner;
  Session session;  // id 0: a new session, stored with its first turn
  std::vector<models::ChatMessage> context;    // stored history, then the new turns
  std::vector<models::ChatMessage> new_turns;  // the request's messages less the repeated history
};
// Reads the owner's session `session_id` (a new UUID when empty; a new session under a
// client's own id when none exists) and applies the context rule of API.md 3.1.
boost::asio::awaitable<Conversation> open_conversation(App& app, const SessionOwner& owner, std::string session_id,
                                                       const std::vector<models::ChatMessage>& messages);

// Who answers. `named` is true when the request named an existing agent (needs agents:invoke).
struct Target {
  Agent agent;
  bool named = false;
};
// ref empty or "orchestrator", or a name that is no agent: the orchestrator routes `question`;
// when no profile matches, the session's previous agent keeps the conversation.
// With `must_exist`, an unknown ref is 404 agent_not_found; a named inactive agent is 409
// agent_inactive.
boost::asio::awaitable<Target> resolve_target(App& app, std::int64_t org_id, std::string ref, std::string question,
                                              bool must_exist, std::string previous_agent_id);

// Stores the new turns and the answer (also a partial one, when the client left mid-stream).
boost::asio::awaitable<void> record_turn(App& app, Conversation& conversation, const Agent& agent,
                                         const RunResult& result);

// A citation and a usage as stored with the message and shown in responses.
boost::json::object citation_json(const Citation& c);
boost::json::object usage_json(const models::Usage& u);

// The last user message: what the orchestrator routes on.
std::string last_user_text(const std::vector<models::ChatMessage>& messages);

}  // namespace agentd::agents

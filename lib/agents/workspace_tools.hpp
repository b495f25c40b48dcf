// The runtime's Workspace tools (API.md 7): `remember` stores a memory of the agent,
// `create_reminder` schedules a reminder, and the memory note gives a model what the agent
// remembers of a question. Tool results are JSON for the model: {"message": "..."} or
// {"error": "..."}.
#pragma once

#include "core/clock.hpp"
#include "db/database.hpp"
#include "models/types.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

namespace agentd::agents {

// A string argument of a tool call's JSON arguments ("" when absent).
std::string string_argument(const std::string& arguments, std::string_view name);

boost::asio::awaitable<std::string> run_remember(db::Database& db, const Clock& clock, std::int64_t org_id,
                                                 std::string agent_id, std::string arguments);
boost::asio::awaitable<std::string> run_create_reminder(db::Database& db, const Clock& clock, std::int64_t org_id,
                                                        std::string agent_id, std::string arguments);
// "What you remember:" and the agent's best-matching memories, one per line, within `space`
// tokens; nullopt when none matches.
boost::asio::awaitable<std::optional<models::ChatMessage>> memory_note(db::Database& db, std::int64_t org_id,
                                                                       std::string agent_id, std::string question,
                                                                       int space);

}  // namespace agentd::agents

// The Agents API's agent object (API.md 6) over the one agent record: its own fields live in
// the record's profile, bio in description (lines joined by "\n"), modelProvider/model in
// model ("builtin" or "PROVIDER/MODEL"), modelSettings' temperature and maxTokens in their
// columns, status in is_active (and profile.status for "error").
#pragma once

#include "agents/agent_service.hpp"
#include "api/common/json_body.hpp"
#include "api/common/schema.hpp"

#include <boost/json/object.hpp>

namespace agentd::api::agents_v1 {

inline const std::vector<std::string> kProviders = {"builtin", "openai", "anthropic", "google-genai", "ollama"};

// The provider part of a stored model ("builtin" for the builtin model).
std::string provider_of(const agents::Agent& agent);

boost::json::object agent_json(const agents::Agent& agent, const agents::AgentActivity& activity, double now);

// What agent_json writes and parse_agent takes.
schema::Schema agent_schema();
schema::Schema agent_input_schema(bool partial);

// A create (all fields) or a partial update; `current` is the agent being updated (null: create).
agents::AgentChanges parse_agent(const JsonBody& body, const agents::Agent* current, double now);

}  // namespace agentd::api::agents_v1

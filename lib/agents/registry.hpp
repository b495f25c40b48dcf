// The agent registry: one record for every dialect (API.md 3.2, 5, 6). Functions take a
// connection inside a Store transaction; the dialect adapters shape the JSON.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::agents {

const std::vector<std::string>& agent_types();  // LLM_AGENT, SEQUENTIAL_AGENT, PARALLEL_AGENT, LOOP_AGENT
const std::vector<std::string>& tool_names();   // rag_search, generate_content, remember, create_reminder

struct Agent {
  std::string id, uuid, slug, name, description, agent_type = "LLM_AGENT", instruction, model = "builtin";
  std::optional<double> temperature;
  std::optional<int> max_output_tokens;
  int max_llm_calls = 5;
  std::vector<std::string> tools, datastore_ids, sub_agents;
  int max_iterations = 3;
  bool is_active = true;
  bool is_protected = false;
  boost::json::object profile;
  std::string created_at, updated_at;
};

// Fields a create or update may set; unset ones keep their value (update) or default (create).
struct AgentChanges {
  std::optional<std::string> name, description, agent_type, instruction, model;
  std::optional<std::optional<double>> temperature;
  std::optional<std::optional<int>> max_output_tokens;
  std::optional<int> max_llm_calls, max_iterations;
  std::optional<std::vector<std::string>> tools, datastore_ids, sub_agents;
  std::optional<bool> is_active, is_protected;
  // Keys merged into `profile` (a null value removes the key): the other dialects' fields.
  std::optional<boost::json::object> profile;
};

// What the model is told about itself: the instruction, then the profile's `knowledge` lines
// (the Agents API's facts an agent knows).
std::string system_instruction(const Agent& agent);

// Status as the Agents API sees it: "error" when the profile says so, else active/inactive.
std::string agent_status(const Agent& agent);

struct AgentQuery {
  std::string agent_type{};         // empty: any
  std::optional<bool> is_active{};
  std::string status{};             // empty: any; active, inactive, error
  std::string sort = "created_at";  // created_at, name, status
  bool descending = false;
  std::int64_t offset = 0, limit = -1;  // limit -1: all
};

struct AgentPage {
  std::vector<Agent> agents;
  std::int64_t total = 0;
};

// Validates against the organization (datastores and sub-agents must be its own); throws
// AppError bad_request naming the field.
Agent create_agent(db::Conn& conn, std::int64_t org_id, const AgentChanges& changes, double now);
// Returns the fields that changed.
std::vector<std::string> update_agent(db::Conn& conn, std::int64_t org_id, Agent& agent, const AgentChanges& changes,
                                      double now);
void delete_agent(db::Conn& conn, std::int64_t org_id, const Agent& agent);
// By id, uuid or slug.
std::optional<Agent> find_agent(db::Conn& conn, std::int64_t org_id, const std::string& ref);
AgentPage list_agents(db::Conn& conn, std::int64_t org_id, const AgentQuery& query);
}  // namespace agentd::agents

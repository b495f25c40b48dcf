// Agent management, whatever the dialect: list, find, create, update, delete with the rules
// that apply everywhere (another organization's agent is not found; a protected agent cannot
// be deleted), and each agent's activity for the Agents API's metrics.
#pragma once

#include "agents/registry.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "db/database.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>

namespace agentd::agents {

struct AgentActivity {
  std::int64_t messages = 0;       // answers given
  std::int64_t conversations = 0;  // sessions it answered in
};

class AgentService {
 public:
  AgentService(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  boost::asio::awaitable<AgentPage> list(std::int64_t org_id, AgentQuery query);
  // By id, uuid or slug, with its activity (read in the same transaction); 404 agent_not_found
  // ("Agent not found: REF").
  struct WithActivity {
    Agent agent;
    AgentActivity activity;
  };
  boost::asio::awaitable<WithActivity> get_with_activity(std::int64_t org_id, std::string ref);
  // A page, each agent with its activity.
  struct PageWithActivity {
    AgentPage page;
    std::map<std::string, AgentActivity> activity;  // by agent id
  };
  boost::asio::awaitable<PageWithActivity> list_with_activity(std::int64_t org_id, AgentQuery query);
  boost::asio::awaitable<Agent> create(std::int64_t org_id, AgentChanges changes);
  struct Updated {
    Agent before, after;
    std::vector<std::string> changed;
    AgentActivity activity;
  };
  boost::asio::awaitable<Updated> update(std::int64_t org_id, std::string ref, AgentChanges changes);
  // The changes are read against the agent as it is, in the transaction that applies them (a
  // dialect whose fields are relative to the current agent). What `changes` throws is the answer.
  using ChangesOf = std::function<AgentChanges(const Agent& current)>;
  boost::asio::awaitable<Updated> update(std::int64_t org_id, std::string ref, ChangesOf changes);
  // 403 delete_protected for a protected agent; returns the deleted agent.
  boost::asio::awaitable<Agent> remove(std::int64_t org_id, std::string ref);

  double now() const { return clock_.unix_seconds(); }

 private:
  db::Database& db_;
  const Clock& clock_;
};

AppError agent_not_found(const std::string& ref);

}  // namespace agentd::agents

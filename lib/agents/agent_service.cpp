#include "agents/agent_service.hpp"

#include "core/errors.hpp"
#include "db/row.hpp"

namespace agentd::agents {
namespace {

// One query for the whole page (at most 100 agents, by the agent_id index), not one per agent.
std::map<std::string, AgentActivity> read_activity(db::Conn& c, std::int64_t org_id, const std::vector<Agent>& agents) {
  std::map<std::string, AgentActivity> out;
  if (agents.empty()) return out;
  std::string in = "?";
  for (std::size_t i = 1; i < agents.size(); ++i) in += ", ?";
  auto& q = c.prepare(
      "SELECT m.agent_id, COUNT(*), COUNT(DISTINCT m.session_id) FROM chat_messages m "
      "JOIN chat_sessions s ON s.id = m.session_id WHERE m.agent_id IN (" + in + ") AND s.org_id = ? "
      "AND m.role = 'assistant' GROUP BY m.agent_id");
  int index = 0;
  for (const auto& a : agents) {
    q.bind(++index, a.id);
    out[a.id] = {};
  }
  q.bind(++index, org_id);
  while (q.executeStep())
    if (auto it = out.find(q.getColumn(0).getString()); it != out.end())
      it->second = {q.getColumn(1).getInt64(), q.getColumn(2).getInt64()};
  return out;
}

}  // namespace

namespace net = boost::asio;

AppError agent_not_found(const std::string& ref) { return not_found("agent_not_found", "Agent not found: " + ref); }

net::awaitable<AgentPage> AgentService::list(std::int64_t org_id, AgentQuery query) {
  auto work = db_.read([org_id, query](db::Conn& c) { return list_agents(c, org_id, query); });
  co_return co_await std::move(work);
}

net::awaitable<AgentService::WithActivity> AgentService::get_with_activity(std::int64_t org_id, std::string ref) {
  auto work = db_.read([org_id, ref](db::Conn& c) {
    std::optional<WithActivity> out;
    if (auto agent = find_agent(c, org_id, ref)) out.emplace(WithActivity{*agent, read_activity(c, org_id, {*agent})[agent->id]});
    return out;
  });
  auto found = co_await std::move(work);
  if (!found) throw agent_not_found(ref);
  co_return std::move(*found);
}

net::awaitable<AgentService::PageWithActivity> AgentService::list_with_activity(std::int64_t org_id, AgentQuery query) {
  auto work = db_.read([org_id, query](db::Conn& c) {
    PageWithActivity out{list_agents(c, org_id, query), {}};
    out.activity = read_activity(c, org_id, out.page.agents);
    return out;
  });
  co_return co_await std::move(work);
}

net::awaitable<Agent> AgentService::create(std::int64_t org_id, AgentChanges changes) {
  auto work = db_.write([org_id, changes = std::move(changes), now = now()](db::Conn& c) {
    return create_agent(c, org_id, changes, now);
  });
  co_return co_await std::move(work);
}

net::awaitable<AgentService::Updated> AgentService::update(std::int64_t org_id, std::string ref, AgentChanges changes) {
  auto updating = update(org_id, std::move(ref), [changes = std::move(changes)](const Agent&) { return changes; });
  co_return co_await std::move(updating);
}

net::awaitable<AgentService::Updated> AgentService::update(std::int64_t org_id, std::string ref, ChangesOf changes_of) {
  auto work = db_.write([org_id, ref, changes_of = std::move(changes_of), now = now()](db::Conn& c) {
    std::optional<Updated> out;
    if (auto agent = find_agent(c, org_id, ref)) {
      out.emplace(Updated{*agent, *agent, {}});
      out->changed = update_agent(c, org_id, out->after, changes_of(*agent), now);
      out->activity = read_activity(c, org_id, {out->after})[out->after.id];
    }
    return out;
  });
  auto updated = co_await std::move(work);
  if (!updated) throw agent_not_found(ref);
  co_return std::move(*updated);
}

net::awaitable<Agent> AgentService::remove(std::int64_t org_id, std::string ref) {
  auto work = db_.write([org_id, ref](db::Conn& c) {
    auto agent = find_agent(c, org_id, ref);
    if (agent && !agent->is_protected) delete_agent(c, org_id, *agent);
    return agent;
  });
  auto agent = co_await std::move(work);
  if (!agent) throw agent_not_found(ref);
  if (agent->is_protected)
    throw AppError(ErrorKind::forbidden, "delete_protected", "Agent '" + agent->name + "' is protected and cannot be deleted");
  co_return std::move(*agent);
}


}  // namespace agentd::agents

// Agents API: agent management (API.md 6, seed 004): create, list with paging and sorting, get,
// partial update with the changed fields, delete.
#include "api/agents_v1/agent_json.hpp"
#include "api/agents_v1/dialect.hpp"
#include "api/common/dispatcher.hpp"
#include "core/clock.hpp"

#include <boost/json.hpp>

namespace agentd::api::agents_v1 {
namespace json = boost::json;
namespace {

std::string api_endpoint(const RequestContext& ctx, const std::string& id) {
  const std::string host(ctx.request[bhttp::field::host]);
  return (host.empty() ? std::string() : "http://" + host) + "/v1/agents/" + id + "/messages";
}

net::awaitable<http::Response> create(const Services& s, RequestContext& ctx) {
  const JsonBody body = JsonBody::parse(ctx.request.body());
  auto creating = s.agents.create(ctx.principal->org.org_id, parse_agent(body, nullptr, s.clock.unix_seconds()));
  const agents::Agent agent = co_await std::move(creating);
  co_return http::json_response(201, success(json::object{{"id", agent.id},
                                                          {"name", agent.name},
                                                          {"status", agents::agent_status(agent)},
                                                          {"createdAt", agent.created_at},
                                                          {"apiEndpoint", api_endpoint(ctx, agent.id)}}));
}

net::awaitable<http::Response> list(const Services& s, RequestContext& ctx) {
  const PageRequest page = read_page(ctx, ctx.dialect().paging);
  agents::AgentQuery query;
  query.status = ctx.query("status").value_or("");
  if (!query.status.empty() && query.status != "active" && query.status != "inactive" && query.status != "error")
    throw invalid_field("status", "in", {}, "status must be one of active, inactive, error", "invalid_parameter");
  const std::string sort = ctx.query("sortBy").value_or("createdAt");
  if (sort != "createdAt" && sort != "name" && sort != "status")
    throw invalid_field("sortBy", "in", {}, "sortBy must be one of createdAt, name, status", "invalid_parameter");
  query.sort = sort == "createdAt" ? "created_at" : sort;
  const std::string order = ctx.query("order").value_or("desc");
  if (order != "asc" && order != "desc")
    throw invalid_field("order", "in", {}, "order must be one of asc, desc", "invalid_parameter");
  query.descending = order == "desc";
  query.offset = page.offset();
  query.limit = page.size;
  auto listing = s.agents.list_with_activity(ctx.principal->org.org_id, query);
  auto [found, activity] = co_await std::move(listing);
  json::array items;
  for (const auto& a : found.agents) items.push_back(agent_json(a, activity[a.id], s.clock.unix_seconds()));
  co_return http::json_response(200, success(ctx.dialect().shape_page(ctx, std::move(items), "agents", page, found.total)));
}

net::awaitable<http::Response> get(const Services& s, RequestContext& ctx) {
  auto finding = s.agents.get_with_activity(ctx.principal->org.org_id, ctx.param("agentId"));
  const auto [agent, activity] = co_await std::move(finding);
  co_return http::json_response(200, success(agent_json(agent, activity, s.clock.unix_seconds())));
}

net::awaitable<http::Response> update(const Services& s, RequestContext& ctx) {
  const auto org = ctx.principal->org.org_id;
  const std::string ref = ctx.param("agentId");
  JsonBody body = JsonBody::parse(ctx.request.body());
  // The fields are read against the agent as it is, in the transaction that updates it.
  auto updating = s.agents.update(org, ref, [body = std::move(body), now = s.clock.unix_seconds()](const agents::Agent& current) {
    return parse_agent(body, &current, now);
  });
  const auto updated = co_await std::move(updating);
  // The changed fields as this dialect names them.
  const json::object before = agent_json(updated.before, {}, 0);
  json::object after = agent_json(updated.after, {}, 0);
  json::array changes;
  for (const auto& kv : after)
    if (kv.key() != "updatedAt" && kv.key() != "metrics" && before.at(kv.key()) != kv.value()) changes.emplace_back(kv.key());
  json::object data = agent_json(updated.after, updated.activity, s.clock.unix_seconds());
  data["changes"] = std::move(changes);
  co_return http::json_response(200, success(std::move(data)));
}

net::awaitable<http::Response> remove(const Services& s, RequestContext& ctx) {
  auto removing = s.agents.remove(ctx.principal->org.org_id, ctx.param("agentId"));
  const agents::Agent agent = co_await std::move(removing);
  co_return http::json_response(200, success(json::object{{"id", agent.id},
                                                          {"name", agent.name},
                                                          {"deletedAt", iso8601_unix(s.clock.unix_seconds())},
                                                          {"message", "Agent successfully deleted"}}));
}

}  // namespace

void add_agent_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  using bhttp::verb;
  using namespace schema;
  const RouteGroup group{d, dialect, s};
  group.add(verb::post, "/v1/agents", "agents:write", create,
            {.summary = "Create an agent",
             .body = agent_input_schema(false),
             .response = success_schema(obj({{"id", str()}, {"name", str()}, {"status", str()}, {"createdAt", str()}, {"apiEndpoint", str()}},
                                            {"id", "name", "status", "createdAt", "apiEndpoint"})),
             .status = 201});
  group.add(verb::get, "/v1/agents", "agents:list", list,
            {.summary = "List agents",
             .query = {{"status", one_of({"active", "inactive", "error"})}, {"sortBy", one_of({"createdAt", "name", "status"})},
                       {"order", one_of({"asc", "desc"})}},
             .response = success_schema(page_schema("agents", agent_schema())),
             .paged = true});
  group.add(verb::get, "/v1/agents/{agentId}", "agents:list", get, {.summary = "An agent", .response = success_schema(agent_schema())});
  group.add(verb::patch, "/v1/agents/{agentId}", "agents:write", update,
            {.summary = "Update an agent (the fields sent); data.changes names what changed",
             .body = agent_input_schema(true),
             .response = success_schema(extend(agent_schema(), {{"changes", array(str())}}))});
  group.add(verb::delete_, "/v1/agents/{agentId}", "agents:write", remove,
            {.summary = "Delete an agent",
             .response = success_schema(obj({{"id", str()}, {"name", str()}, {"deletedAt", str()}, {"message", str()}},
                                            {"id", "name", "deletedAt", "message"}))});
  d.add({.method = verb::get, .pattern = "/v1/health", .dialect = &dialect, .handler = health, .doc = health_doc()});
}

}  // namespace agentd::api::agents_v1

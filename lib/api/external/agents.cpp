// External API: agent management (API.md 3.2): list with filters, create, update, delete; and
// the OpenAI-compatible model list (API.md 4). Rules are the agent service's.
#include "agents/agent_service.hpp"
#include "api/common/dispatcher.hpp"
#include "api/common/json_body.hpp"
#include "api/common/schema.hpp"
#include "api/external/dialect.hpp"
#include "core/clock.hpp"

#include <boost/json.hpp>

namespace agentd::api::external {
namespace json = boost::json;
using agents::Agent;
using agents::AgentChanges;

namespace {

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::object summary_json(const Agent& a) {
  return {{"agent_id", a.id},       {"name", a.name},           {"description", a.description},
          {"agent_type", a.agent_type}, {"model", a.model},     {"is_active", a.is_active},
          {"datastore_ids", strings(a.datastore_ids)}, {"sub_agents", strings(a.sub_agents)},
          {"created_at", a.created_at}, {"updated_at", a.updated_at}};
}

json::object full_json(const Agent& a) {
  json::object o = summary_json(a);
  o["uuid"] = a.uuid;
  o["slug"] = a.slug;
  o["instruction"] = a.instruction;
  o["temperature"] = a.temperature ? json::value(*a.temperature) : json::value(nullptr);
  o["max_output_tokens"] = a.max_output_tokens ? json::value(*a.max_output_tokens) : json::value(nullptr);
  o["max_llm_calls"] = a.max_llm_calls;
  o["tools"] = strings(a.tools);
  o["max_iterations"] = a.max_iterations;
  o["protected"] = a.is_protected;
  return o;
}

// What summary_json and full_json write, and what parse_changes takes.
schema::Schema summary_schema() {
  using namespace schema;
  return obj({{"agent_id", str()}, {"name", str()}, {"description", str()}, {"agent_type", one_of(agents::agent_types())},
              {"model", str()}, {"is_active", boolean()}, {"datastore_ids", array(str())}, {"sub_agents", array(str())},
              {"created_at", str()}, {"updated_at", str()}},
             {"agent_id", "name", "agent_type", "is_active", "created_at"});
}
schema::Schema full_schema() {
  using namespace schema;
  return extend(summary_schema(), {{"uuid", str()}, {"slug", str()}, {"instruction", str()}, {"temperature", nullable(number())},
                                   {"max_output_tokens", nullable(integer())}, {"max_llm_calls", integer()}, {"tools", array(str())},
                                   {"max_iterations", integer()}, {"protected", boolean()}});
}
schema::Schema changes_schema() {
  using namespace schema;
  return obj({{"name", str()}, {"description", str()}, {"agent_type", one_of(agents::agent_types())}, {"instruction", str()},
              {"model", str("builtin, or PROVIDER/MODEL")}, {"temperature", nullable(number())}, {"max_output_tokens", nullable(integer())},
              {"max_llm_calls", integer()}, {"max_iterations", integer()}, {"tools", array(str())}, {"datastore_ids", array(str())},
              {"sub_agents", array(str())}, {"is_active", boolean()}, {"protected", boolean()}});
}

AgentChanges parse_changes(const std::string& body) {
  const JsonBody b = JsonBody::parse(body);
  AgentChanges c;
  for (const auto& kv : b.object()) {
    const std::string key(kv.key());
    const json::value& x = kv.value();
    auto text = [&]() -> std::string {
      if (!x.is_string()) throw field_type(key, "string", "a string");
      return std::string(x.as_string());
    };
    auto integer = [&]() -> int {
      if (!x.is_int64()) throw field_type(key, "integer", "an integer");
      return static_cast<int>(std::clamp<std::int64_t>(x.as_int64(), -1, 2'000'000'000));
    };
    auto list = [&]() { return b.strings(key).value_or(std::vector<std::string>{}); };
    auto boolean = [&]() { return b.boolean(key).value_or(false); };
    if (key == "name") c.name = text();
    else if (key == "description") c.description = text();
    else if (key == "agent_type") c.agent_type = text();
    else if (key == "instruction") c.instruction = text();
    else if (key == "model") c.model = text();
    else if (key == "temperature") {
      if (!x.is_null() && !x.is_number()) throw field_type(key, "number", "a number");
      c.temperature = x.is_null() ? std::optional<double>() : std::optional<double>(x.to_number<double>());
    } else if (key == "max_output_tokens") {
      c.max_output_tokens = x.is_null() ? std::optional<int>() : std::optional<int>(integer());
    } else if (key == "max_llm_calls") c.max_llm_calls = integer();
    else if (key == "max_iterations") c.max_iterations = integer();
    else if (key == "tools") c.tools = list();
    else if (key == "datastore_ids") c.datastore_ids = list();
    else if (key == "sub_agents") c.sub_agents = list();
    else if (key == "is_active") c.is_active = boolean();
    else if (key == "protected") c.is_protected = boolean();
    else throw bad_request("Unknown field '" + key + "'", key);
  }
  return c;
}

net::awaitable<http::Response> list(const Services& s, RequestContext& ctx) {
  agents::AgentQuery query;
  query.agent_type = ctx.query("agent_type").value_or("");
  if (!query.agent_type.empty() &&
      std::find(agents::agent_types().begin(), agents::agent_types().end(), query.agent_type) == agents::agent_types().end())
    throw bad_request("agent_type must be one of LLM_AGENT, SEQUENTIAL_AGENT, PARALLEL_AGENT, LOOP_AGENT", "agent_type",
                      "invalid_parameter");
  if (auto a = ctx.query("is_active")) {
    if (*a != "true" && *a != "false") throw bad_request("is_active must be true or false", "is_active", "invalid_parameter");
    query.is_active = *a == "true";
  }
  auto listing = s.agents.list(ctx.principal->org.org_id, query);
  const auto page = co_await std::move(listing);
  json::array items;
  for (const auto& a : page.agents) items.push_back(summary_json(a));
  co_return http::json_response(200, {{"agents", std::move(items)}, {"total", page.total}});
}

net::awaitable<http::Response> create(const Services& s, RequestContext& ctx) {
  auto creating = s.agents.create(ctx.principal->org.org_id, parse_changes(ctx.request.body()));
  const Agent agent = co_await std::move(creating);
  co_return http::json_response(200, full_json(agent));
}

net::awaitable<http::Response> update(const Services& s, RequestContext& ctx) {
  auto updating = s.agents.update(ctx.principal->org.org_id, ctx.param("agent_id"), parse_changes(ctx.request.body()));
  const auto updated = co_await std::move(updating);
  co_return http::json_response(200, full_json(updated.after));
}

net::awaitable<http::Response> remove(const Services& s, RequestContext& ctx) {
  auto removing = s.agents.remove(ctx.principal->org.org_id, ctx.param("agent_id"));
  const Agent agent = co_await std::move(removing);
  co_return http::json_response(200, {{"success", true},
                                      {"agent_id", agent.id},
                                      {"message", "Agent '" + agent.name + "' deleted successfully"}});
}

// OpenAI's model list: the orchestrator, then every active agent by slug (API.md 4).
net::awaitable<http::Response> models(const Services& s, RequestContext& ctx) {
  auto listing = s.agents.list(ctx.principal->org.org_id, {.is_active = true});
  const auto page = co_await std::move(listing);
  const auto& active = page.agents;
  auto unix_of = [](const std::string& iso) {
    double t = 0;
    return parse_iso8601(iso, t) ? static_cast<std::int64_t>(t) : std::int64_t{0};
  };
  std::int64_t first = 0;
  for (const auto& a : active) first = first ? std::min(first, unix_of(a.created_at)) : unix_of(a.created_at);
  json::array data;
  data.push_back({{"id", "orchestrator"}, {"object", "model"}, {"created", first}, {"owned_by", "agentd"}});
  for (const auto& a : active)
    data.push_back({{"id", a.slug}, {"object", "model"}, {"created", unix_of(a.created_at)}, {"owned_by", ctx.principal->org.slug}});
  co_return http::json_response(200, {{"object", "list"}, {"data", std::move(data)}});
}

}  // namespace

void add_agent_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  using bhttp::verb;
  const RouteGroup group{d, dialect, s};
  using namespace schema;
  group.add(verb::get, "/api/external/agents", "agents:list", list,
            {.summary = "List agents",
             .query = {{"agent_type", one_of(agents::agent_types())}, {"is_active", boolean()}},
             .response = obj({{"agents", array(summary_schema())}, {"total", integer()}}, {"agents", "total"})});
  group.add(verb::post, "/api/external/agents", "agents:write", create,
            {.summary = "Create an agent", .body = changes_schema(), .response = full_schema()});
  group.add(verb::patch, "/api/external/agents/{agent_id}", "agents:write", update,
            {.summary = "Update an agent (the fields sent)", .body = changes_schema(), .response = full_schema()});
  group.add(verb::delete_, "/api/external/agents/{agent_id}", "agents:write", remove,
            {.summary = "Delete an agent",
             .response = obj({{"success", boolean()}, {"agent_id", str()}, {"message", str()}}, {"success", "agent_id"})});
  const RouteDoc model_list{
      .summary = "List models (OpenAI's shape): the orchestrator and every active agent",
      .response = obj({{"object", str()},
                       {"data", array(obj({{"id", str()}, {"object", str()}, {"created", integer()}, {"owned_by", str()}},
                                          {"id", "object", "created", "owned_by"}))}},
                      {"object", "data"})};
  group.add(verb::get, "/v1/models", "agents:list", models, model_list);
  group.add(verb::get, "/api/external/v1/models", "agents:list", models, model_list);
}

}  // namespace agentd::api::external

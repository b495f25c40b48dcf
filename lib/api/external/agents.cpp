// External API: agent management (API.md 3.2): list with filters, create, update, delete; and
// the OpenAI-compatible model list (API.md 4). Invocation comes with the orchestrator (issue 4).
#include "agents/registry.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "server/app.hpp"

#include <boost/json.hpp>

namespace agentd::api {
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

AppError field_error(const std::string& field, const std::string& what) { return bad_request(field + " must be " + what, field); }

AgentChanges parse_changes(const std::string& body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) throw bad_request("Request body must be a JSON object");
  AgentChanges c;
  for (const auto& kv : v.as_object()) {
    const std::string key(kv.key());
    const json::value& x = kv.value();
    auto text = [&]() -> std::string {
      if (!x.is_string()) throw field_error(key, "a string");
      return std::string(x.as_string());
    };
    auto integer = [&]() -> int {
      if (!x.is_int64()) throw field_error(key, "an integer");
      return static_cast<int>(std::clamp<std::int64_t>(x.as_int64(), -1, 2'000'000'000));
    };
    auto list = [&]() {
      if (!x.is_array()) throw field_error(key, "an array of strings");
      std::vector<std::string> out;
      for (const auto& e : x.as_array()) {
        if (!e.is_string()) throw field_error(key, "an array of strings");
        out.emplace_back(e.as_string());
      }
      return out;
    };
    auto boolean = [&]() {
      if (!x.is_bool()) throw field_error(key, "true or false");
      return x.as_bool();
    };
    if (key == "name") c.name = text();
    else if (key == "description") c.description = text();
    else if (key == "agent_type") c.agent_type = text();
    else if (key == "instruction") c.instruction = text();
    else if (key == "model") c.model = text();
    else if (key == "temperature") {
      if (!x.is_null() && !x.is_number()) throw field_error(key, "a number");
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

AppError agent_not_found(const std::string& ref) { return not_found("agent_not_found", "Agent not found: " + ref); }

net::awaitable<http::Response> list(App& app, http::RequestContext& ctx) {
  const std::string type = ctx.query("agent_type").value_or("");
  if (!type.empty() && std::find(agents::agent_types().begin(), agents::agent_types().end(), type) == agents::agent_types().end())
    throw bad_request("agent_type must be one of LLM_AGENT, SEQUENTIAL_AGENT, PARALLEL_AGENT, LOOP_AGENT", "agent_type",
                      "invalid_parameter");
  std::optional<bool> active;
  if (auto a = ctx.query("is_active")) {
    if (*a != "true" && *a != "false") throw bad_request("is_active must be true or false", "is_active", "invalid_parameter");
    active = *a == "true";
  }
  const auto org = ctx.principal->org.org_id;
  auto work = app.read_db([org, type, active](db::Conn& c) { return agents::list_agents(c, org, type, active); });
  const auto all = co_await std::move(work);
  json::array items;
  for (const auto& a : all) items.push_back(summary_json(a));
  co_return http::json_response(200, {{"agents", std::move(items)}, {"total", all.size()}});
}

net::awaitable<http::Response> create(App& app, http::RequestContext& ctx) {
  const AgentChanges changes = parse_changes(ctx.request.body());
  const auto org = ctx.principal->org.org_id;
  const double now = app.clock.unix_seconds();
  auto work = app.write_db([org, changes, now](db::Conn& c) { return agents::create_agent(c, org, changes, now); });
  const Agent agent = co_await std::move(work);
  co_return http::json_response(200, full_json(agent));
}

net::awaitable<http::Response> update(App& app, http::RequestContext& ctx) {
  const AgentChanges changes = parse_changes(ctx.request.body());
  const auto org = ctx.principal->org.org_id;
  const std::string ref = ctx.param("agent_id");
  const double now = app.clock.unix_seconds();
  auto work = app.write_db([org, ref, changes, now](db::Conn& c) {
    auto agent = agents::find_agent(c, org, ref);
    if (agent) agents::update_agent(c, org, *agent, changes, now);
    return agent;
  });
  const auto agent = co_await std::move(work);
  if (!agent) throw agent_not_found(ref);
  co_return http::json_response(200, full_json(*agent));
}

net::awaitable<http::Response> remove(App& app, http::RequestContext& ctx) {
  const auto org = ctx.principal->org.org_id;
  const std::string ref = ctx.param("agent_id");
  auto work = app.write_db([org, ref](db::Conn& c) {
    auto agent = agents::find_agent(c, org, ref);
    if (agent && !agent->is_protected) agents::delete_agent(c, org, *agent);
    return agent;
  });
  const auto agent = co_await std::move(work);
  if (!agent) throw agent_not_found(ref);
  if (agent->is_protected)
    throw AppError(ErrorKind::forbidden, "delete_protected", "Agent '" + agent->name + "' is protected and cannot be deleted");
  co_return http::json_response(200, {{"success", true},
                                      {"agent_id", agent->id},
                                      {"message", "Agent '" + agent->name + "' deleted successfully"}});
}

// OpenAI's model list: the orchestrator, then every active agent by slug (API.md 4).
net::awaitable<http::Response> models(App& app, http::RequestContext& ctx) {
  const auto org = ctx.principal->org.org_id;
  auto work = app.read_db([org](db::Conn& c) { return agents::list_agents(c, org, "", true); });
  const auto active = co_await std::move(work);
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

void register_external_agent_routes(App& app) {
  using http::bhttp::verb;
  const auto d = http::Dialect::external;
  app.router.add({verb::get, "/api/external/agents", d, "agents:list", 0, nullptr,
                  [&app](http::RequestContext& ctx) { return list(app, ctx); }});
  app.router.add({verb::post, "/api/external/agents", d, "agents:write", 0, nullptr,
                  [&app](http::RequestContext& ctx) { return create(app, ctx); }});
  app.router.add({verb::patch, "/api/external/agents/{agent_id}", d, "agents:write", 0, nullptr,
                  [&app](http::RequestContext& ctx) { return update(app, ctx); }});
  app.router.add({verb::delete_, "/api/external/agents/{agent_id}", d, "agents:write", 0, nullptr,
                  [&app](http::RequestContext& ctx) { return remove(app, ctx); }});
  for (const char* path : {"/v1/models", "/api/external/v1/models"})
    app.router.add({verb::get, path, d, "agents:list", 0, nullptr,
                    [&app](http::RequestContext& ctx) { return models(app, ctx); }});
}

}  // namespace agentd::api

// Workspace API: tokens (POST/GET/DELETE /tokens) and agents by uuid with their character,
// publishing, settings and auth key (API.md 5). An agent here is the same record the other
// dialects see: systemPrompt is its instruction, bio its description, published and settings
// live in its profile.
#include "api/workspace/dialect.hpp"
#include "api/workspace/shape.hpp"

namespace agentd::api::workspace {
namespace {

using db::FieldType;

// The fields a Workspace agent takes, checked as every Workspace object is.
const db::Kind& agent_fields() {
  static const db::Kind kind{
      .name = "agent",
      .fields = {{.name = "name", .required = true, .max = 255},
                 {.name = "systemPrompt", .max = 100000},
                 {.name = "bio", .max = 10000},
                 {.name = "published", .type = FieldType::boolean},
                 {.name = "settings", .type = FieldType::object}}};
  return kind;
}

json::object agent_json(const agents::Agent& a) {
  const auto* published = a.profile.if_contains("published");
  const auto* settings = a.profile.if_contains("settings");
  return {{"uuid", a.uuid},
          {"name", a.name},
          {"systemPrompt", a.instruction},
          {"bio", a.description},
          {"published", published && published->is_bool() && published->as_bool()},
          {"settings", settings && settings->is_object() ? *settings : json::value(json::object{})},
          {"createdAt", a.created_at},
          {"updatedAt", a.updated_at}};
}

agents::AgentChanges changes_of(const json::object& values) {
  agents::AgentChanges c;
  if (const auto* v = values.if_contains("name"); v && v->is_string()) c.name = std::string(v->as_string());
  if (const auto* v = values.if_contains("systemPrompt")) c.instruction = v->is_string() ? std::string(v->as_string()) : "";
  if (const auto* v = values.if_contains("bio")) c.description = v->is_string() ? std::string(v->as_string()) : "";
  json::object profile;
  if (const auto* v = values.if_contains("published")) profile["published"] = v->is_bool() && v->as_bool();
  if (const auto* v = values.if_contains("settings")) profile["settings"] = v->is_object() ? *v : json::value(json::object{});
  if (!profile.empty()) c.profile = std::move(profile);
  return c;
}

net::awaitable<http::Response> updated(const Services& s, RequestContext& ctx, agents::AgentService::ChangesOf changes) {
  auto updating = s.agents.update(org_of(ctx), ctx.param("uuid"), std::move(changes));
  const auto result = co_await std::move(updating);
  co_return data(200, agent_json(result.after));
}

net::awaitable<http::Response> create_agent(const Services& s, RequestContext& ctx) {
  agents::AgentChanges c = changes_of(db::check(agent_fields(), body_of(ctx), false));
  // A workspace agent keeps what it is told and can set reminders (API.md 7).
  c.tools = std::vector<std::string>{"remember", "create_reminder"};
  auto creating = s.agents.create(org_of(ctx), std::move(c));
  const agents::Agent agent = co_await std::move(creating);
  co_return data(201, agent_json(agent));
}

net::awaitable<http::Response> list_agents(const Services& s, RequestContext& ctx) {
  const ListRequest r = list_request(ctx);
  agents::AgentQuery q;
  q.offset = r.listing.offset;
  q.limit = r.listing.limit;
  q.descending = true;
  auto listing = s.agents.list(org_of(ctx), q);
  const agents::AgentPage page = co_await std::move(listing);
  json::array items;
  for (const auto& a : page.agents) items.push_back(agent_json(a));
  co_return page_of(ctx, std::move(items), r, page.total);
}

net::awaitable<http::Response> get_agent(const Services& s, RequestContext& ctx) {
  auto finding = s.agents.get_with_activity(org_of(ctx), ctx.param("uuid"));
  const auto found = co_await std::move(finding);
  co_return data(200, agent_json(found.agent));
}

net::awaitable<http::Response> update_agent(const Services& s, RequestContext& ctx) {
  const json::object values = db::check(agent_fields(), body_of(ctx), true);
  auto answering = updated(s, ctx, [values](const agents::Agent&) { return changes_of(values); });
  co_return co_await std::move(answering);
}

// PATCH /character {name, systemPrompt, bio}.
net::awaitable<http::Response> update_character(const Services& s, RequestContext& ctx) {
  json::object values = db::check(agent_fields(), body_of(ctx), true);
  values.erase("published");
  values.erase("settings");
  auto answering = updated(s, ctx, [values](const agents::Agent&) { return changes_of(values); });
  co_return co_await std::move(answering);
}

// POST /publish: published (true unless the body says {"published": false}).
net::awaitable<http::Response> publish(const Services& s, RequestContext& ctx) {
  const json::object body = ctx.request.body().empty() ? json::object{} : body_of(ctx);
  json::object values = db::check(agent_fields(), body, true);
  const bool published = !values.contains("published") || values.at("published") == true;
  auto answering = updated(s, ctx, [published](const agents::Agent&) { return changes_of({{"published", published}}); });
  co_return co_await std::move(answering);
}

// POST /settings: the body's keys (or those of its "settings" object) merged into the settings;
// a null value removes a key.
net::awaitable<http::Response> update_settings(const Services& s, RequestContext& ctx) {
  json::object body = body_of(ctx);
  if (body.size() == 1 && body.contains("settings")) {
    if (!body.at("settings").is_object()) throw invalid_fields({{"settings", "array", {}}});
    body = body.at("settings").as_object();
  }
  auto answering = updated(s, ctx, [body](const agents::Agent& current) {
    const auto* old = current.profile.if_contains("settings");
    json::object merged = old && old->is_object() ? old->as_object() : json::object{};
    for (const auto& kv : body)
      if (kv.value().is_null()) merged.erase(kv.key());
      else merged[kv.key()] = kv.value();
    return changes_of({{"settings", std::move(merged)}});
  });
  co_return co_await std::move(answering);
}

net::awaitable<http::Response> remove_agent(const Services& s, RequestContext& ctx) {
  auto removing = s.agents.remove(org_of(ctx), ctx.param("uuid"));
  co_await std::move(removing);
  co_return no_content();
}

// 201 {"data":{"uuid","authKey","createdAt"}}: the key is shown only here.
net::awaitable<http::Response> rotate_auth_key(const Services& s, RequestContext& ctx) {
  auto rotating = s.workspace.rotate_agent_key(org_of(ctx), ctx.param("uuid"));
  const auto key = co_await std::move(rotating);
  co_return data(201, json::object{{"uuid", key.agent_uuid}, {"authKey", key.secret}, {"createdAt", key.created_at}});
}

json::object token_json(const access::Token& t) {
  return {{"id", t.id}, {"name", t.name}, {"lastUsedAt", or_null(t.last_used_at)}, {"createdAt", t.created_at}};
}

net::awaitable<http::Response> create_token(const Services& s, RequestContext& ctx) {
  auto creating = s.workspace.create_token(*ctx.principal->key, body_of(ctx));
  const access::CreatedToken t = co_await std::move(creating);
  co_return data(201, json::object{{"id", t.token.id}, {"name", t.token.name}, {"plainText", t.secret}, {"createdAt", t.token.created_at}});
}

net::awaitable<http::Response> list_tokens(const Services& s, RequestContext& ctx) {
  const ListRequest r = list_request(ctx);
  auto listing = s.workspace.tokens(ctx.principal->key->user_id);
  const auto tokens = co_await std::move(listing);
  json::array items;
  const auto end = std::min<std::int64_t>(static_cast<std::int64_t>(tokens.size()), r.page.offset() + r.page.size);
  for (auto i = r.page.offset(); i < end; ++i) items.push_back(token_json(tokens[static_cast<std::size_t>(i)]));
  co_return page_of(ctx, std::move(items), r, static_cast<std::int64_t>(tokens.size()));
}

net::awaitable<http::Response> revoke_token(const Services& s, RequestContext& ctx) {
  auto revoking = s.workspace.revoke_token(ctx.principal->key->user_id, ctx.param("id"));
  co_await std::move(revoking);
  co_return no_content();
}

}  // namespace

void add_token_and_agent_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  using bhttp::verb;
  const RouteGroup group{d, dialect, s};
  using namespace schema;
  const Schema token = obj({{"id", str()}, {"name", str()}, {"lastUsedAt", nullable(str())}, {"createdAt", str()}}, {"id", "name", "createdAt"});
  // What agent_json writes; agent_fields() is the input, as it checks it.
  const Schema agent = obj({{"uuid", str()}, {"name", str()}, {"systemPrompt", str()}, {"bio", str()}, {"published", boolean()},
                            {"settings", any_object()}, {"createdAt", str()}, {"updatedAt", str()}},
                           {"uuid", "name", "systemPrompt", "bio", "published", "settings", "createdAt"});
  group.add(verb::post, "/api/v1/tokens", "tokens:manage", create_token,
            {.summary = "Create a token (plainText is shown only here)",
             .body = obj({{"name", str()}, {"scopes", array(str())}}, {"name"}),
             .response = data_schema(obj({{"id", str()}, {"name", str()}, {"plainText", str()}, {"createdAt", str()}},
                                         {"id", "name", "plainText", "createdAt"})),
             .status = 201});
  group.add(verb::get, "/api/v1/tokens", "tokens:manage", list_tokens,
            {.summary = "List tokens", .response = page_schema(token), .paged = true});
  group.add(verb::delete_, "/api/v1/tokens/{id}", "tokens:manage", revoke_token, delete_doc("Revoke a token"));

  group.add(verb::post, "/api/v1/agents", "agents:write", create_agent,
            {.summary = "Create an agent", .body = record_input(agent_fields(), false), .response = data_schema(agent), .status = 201});
  group.add(verb::get, "/api/v1/agents", "agents:list", list_agents,
            {.summary = "List agents", .response = page_schema(agent), .paged = true});
  group.add(verb::get, "/api/v1/agents/{uuid}", "agents:list", get_agent, {.summary = "An agent", .response = data_schema(agent)});
  const RouteDoc update{.summary = "Update an agent", .body = record_input(agent_fields(), true), .response = data_schema(agent)};
  group.add(verb::patch, "/api/v1/agents/{uuid}", "agents:write", update_agent, update);
  group.add(verb::put, "/api/v1/agents/{uuid}", "agents:write", update_agent, update);
  group.add(verb::delete_, "/api/v1/agents/{uuid}", "agents:write", remove_agent, delete_doc("Delete an agent"));
  group.add(verb::patch, "/api/v1/agents/{uuid}/character", "agents:write", update_character,
            {.summary = "Change an agent's name, system prompt or bio",
             .body = obj({{"name", str()}, {"systemPrompt", str()}, {"bio", str()}}),
             .response = data_schema(agent)});
  group.add(verb::post, "/api/v1/agents/{uuid}/publish", "agents:write", publish,
            {.summary = "Publish an agent (or unpublish: {\"published\": false})",
             .body = obj({{"published", boolean()}}),
             .body_optional = true,
             .response = data_schema(agent)});
  group.add(verb::post, "/api/v1/agents/{uuid}/settings", "agents:write", update_settings,
            {.summary = "Merge settings into an agent's (null removes a key)",
             .body = described(any_object(), "the settings to merge, as they are or as {\"settings\": {...}}"),
             .response = data_schema(agent)});
  group.add(verb::post, "/api/v1/agents/{uuid}/auth-key", "agents:write", rotate_auth_key,
            {.summary = "A new auth key for the agent (X-Agent-Auth-Key); the previous one stops working",
             .response = data_schema(obj({{"uuid", str()}, {"authKey", str()}, {"createdAt", str()}}, {"uuid", "authKey", "createdAt"})),
             .status = 201});
}

}  // namespace agentd::api::workspace

// External API sessions (API.md 3.3): read-only, scoped to the organization and the key's user.
#include "agents/conversation.hpp"
#include "api/params.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "server/app.hpp"

#include <boost/json.hpp>

namespace agentd::api {
namespace json = boost::json;
namespace {

agents::SessionOwner owner_of(const http::RequestContext& ctx) {
  return {ctx.principal->org.org_id, ctx.principal->key->user_id};
}

AppError session_not_found(const std::string& id) { return not_found("session_not_found", "Session not found: " + id); }

net::awaitable<http::Response> list(App& app, http::RequestContext& ctx) {
  const int page = int_param(ctx, "page", 1, 1, 1'000'000);
  const int page_size = int_param(ctx, "page_size", 20, 1, 100);
  auto work = app.read_db([owner = owner_of(ctx), page, page_size](db::Conn& c) {
    return agents::list_sessions(c, owner, page, page_size);
  });
  const auto found = co_await std::move(work);
  json::array items;
  for (const auto& s : found.sessions)
    items.push_back({{"session_id", s.public_id},
                     {"created_at", s.created_at},
                     {"last_update_time", s.last_update_time},
                     {"is_active", s.is_active},
                     {"message_count", s.message_count},
                     {"title", s.title},
                     {"agent_id", s.agent_id.empty() ? json::value(nullptr) : json::value(s.agent_id)}});
  co_return http::json_response(200, {{"sessions", std::move(items)},
                                      {"total", found.total},
                                      {"page", page},
                                      {"page_size", page_size},
                                      {"has_next", static_cast<std::int64_t>(page) * page_size < found.total}});
}

net::awaitable<http::Response> messages(App& app, http::RequestContext& ctx) {
  const int page = int_param(ctx, "page", 1, 1, 1'000'000);
  const int page_size = int_param(ctx, "page_size", 20, 1, 100);
  const std::string id = ctx.param("session_id");
  auto work = app.read_db([owner = owner_of(ctx), id, page, page_size](db::Conn& c) {
    std::optional<std::pair<agents::Session, agents::MessagePage>> out;
    if (auto s = agents::find_session(c, owner, id)) out.emplace(*s, agents::list_messages(c, *s, page, page_size));
    return out;
  });
  const auto found = co_await std::move(work);
  if (!found) throw session_not_found(id);
  json::array items;
  for (const auto& m : found->second.messages)
    items.push_back({{"message_id", m.message_id},
                     {"role", m.message.role},
                     {"content", m.message.content},
                     {"agent_id", m.agent_id.empty() ? json::value(nullptr) : json::value(m.agent_id)},
                     {"created_at", m.created_at},
                     {"usage", m.usage ? json::value(*m.usage) : json::value(nullptr)},
                     {"citations", m.citations}});
  co_return http::json_response(200, {{"session_id", id},
                                      {"messages", std::move(items)},
                                      {"total", found->second.total},
                                      {"page", page},
                                      {"page_size", page_size},
                                      {"has_next", static_cast<std::int64_t>(page) * page_size < found->second.total}});
}

net::awaitable<http::Response> status(App& app, http::RequestContext& ctx) {
  const std::string id = ctx.param("session_id");
  const auto owner = owner_of(ctx);
  auto work = app.read_db([owner, id](db::Conn& c) { return agents::find_session(c, owner, id); });
  const auto session = co_await std::move(work);
  // A new session is stored with its first answer; until then only the running turn knows it.
  const int running = app.sessions.running(agents::SessionActivity::key(owner, id));
  if (!session && running == 0) throw session_not_found(id);
  co_return http::json_response(200, {{"session_id", id},
                                      {"status", running > 0 ? "processing" : "idle"},
                                      {"active_requests", running},
                                      {"last_update_time", session ? session->last_update_time : iso8601_unix(app.clock.unix_seconds())}});
}

}  // namespace

void register_session_routes(App& app) {
  using http::bhttp::verb;
  const auto d = http::Dialect::external;
  app.router.add({verb::get, "/api/external/sessions", d, "sessions:read", 0, nullptr,
                  [&app](http::RequestContext& ctx) { return list(app, ctx); }});
  app.router.add({verb::get, "/api/external/sessions/{session_id}/messages", d, "sessions:messages", 0, nullptr,
                  [&app](http::RequestContext& ctx) { return messages(app, ctx); }});
  app.router.add({verb::get, "/api/external/sessions/{session_id}/status", d, "sessions:read", 0, nullptr,
                  [&app](http::RequestContext& ctx) { return status(app, ctx); }});
}

}  // namespace agentd::api

// External API sessions (API.md 3.3): read-only, scoped to the organization and the key's user.
#include "api/common/dispatcher.hpp"
#include "api/common/json_body.hpp"
#include "api/external/dialect.hpp"
#include "core/clock.hpp"

#include <boost/json.hpp>

namespace agentd::api::external {
namespace json = boost::json;
namespace {

agents::SessionOwner owner_of(const RequestContext& ctx) { return {ctx.principal->org.org_id, ctx.principal->key->user_id}; }

net::awaitable<http::Response> list(const Services& s, RequestContext& ctx) {
  const PageRequest page = read_page(ctx, ctx.dialect().paging);
  auto listing = s.sessions.list(owner_of(ctx), static_cast<int>(page.page), static_cast<int>(page.size));
  const auto found = co_await std::move(listing);
  json::array items;
  for (const auto& x : found.sessions)
    items.push_back({{"session_id", x.public_id},
                     {"created_at", x.created_at},
                     {"last_update_time", x.last_update_time},
                     {"is_active", x.is_active},
                     {"message_count", x.message_count},
                     {"title", x.title},
                     {"agent_id", or_null(x.agent_id)}});
  co_return http::json_response(200, ctx.dialect().shape_page(ctx, std::move(items), "sessions", page, found.total));
}

net::awaitable<http::Response> messages(const Services& s, RequestContext& ctx) {
  const PageRequest page = read_page(ctx, ctx.dialect().paging);
  const std::string id = ctx.param("session_id");
  auto reading = s.sessions.messages(owner_of(ctx), id, static_cast<int>(page.page), static_cast<int>(page.size));
  const auto found = co_await std::move(reading);
  json::array items;
  for (const auto& m : found.page.messages)
    items.push_back({{"message_id", m.message_id},
                     {"role", m.message.role},
                     {"content", m.message.content},
                     {"agent_id", or_null(m.agent_id)},
                     {"created_at", m.created_at},
                     {"usage", m.usage ? json::value(*m.usage) : json::value(nullptr)},
                     {"citations", m.citations}});
  json::object body{{"session_id", id}};
  for (auto& kv : ctx.dialect().shape_page(ctx, std::move(items), "messages", page, found.page.total))
    body[kv.key()] = std::move(kv.value());
  co_return http::json_response(200, body);
}

net::awaitable<http::Response> status(const Services& s, RequestContext& ctx) {
  const std::string id = ctx.param("session_id");
  auto reading = s.sessions.status(owner_of(ctx), id);
  const auto [session, running] = co_await std::move(reading);
  // A new session is stored with its first answer; until then only the running turn knows it.
  co_return http::json_response(200, {{"session_id", id},
                                      {"status", running > 0 ? "processing" : "idle"},
                                      {"active_requests", running},
                                      {"last_update_time", session ? session->last_update_time : iso8601_unix(s.clock.unix_seconds())}});
}

}  // namespace

void add_session_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  const RouteGroup group{d, dialect, s};
  using namespace schema;
  group.add(bhttp::verb::get, "/api/external/sessions", "sessions:read", list,
            {.summary = "List the key's user's sessions, newest first",
             .response = page_schema("sessions", obj({{"session_id", str()}, {"created_at", str()}, {"last_update_time", str()},
                                                      {"is_active", boolean()}, {"message_count", integer()}, {"title", str()},
                                                      {"agent_id", nullable(str())}},
                                                     {"session_id", "created_at", "message_count"})),
             .paged = true});
  group.add(bhttp::verb::get, "/api/external/sessions/{session_id}/messages", "sessions:messages", messages,
            {.summary = "A session's messages, oldest first",
             .response = extend(page_schema("messages", obj({{"message_id", str()}, {"role", one_of({"user", "assistant", "system", "tool"})},
                                                             {"content", str()}, {"agent_id", nullable(str())}, {"created_at", str()},
                                                             {"usage", nullable(any_object())}, {"citations", any()}},
                                                            {"message_id", "role", "content", "created_at"})),
                                {{"session_id", str()}}),
             .paged = true});
  group.add(bhttp::verb::get, "/api/external/sessions/{session_id}/status", "sessions:read", status,
            {.summary = "Whether a turn of the session is running",
             .response = obj({{"session_id", str()}, {"status", one_of({"processing", "idle"})}, {"active_requests", integer()},
                              {"last_update_time", str()}},
                             {"session_id", "status", "active_requests", "last_update_time"})});
}

}  // namespace agentd::api::external

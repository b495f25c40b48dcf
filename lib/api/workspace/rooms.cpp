// Workspace API: rooms and their messages (API.md 5). Posting a message runs a chat turn in the
// room's session (billing, tools, providers, memories as for chat completions) and answers 201
// with the agent's reply.
#include "api/workspace/dialect.hpp"
#include "api/workspace/shape.hpp"
#include "models/tokens.hpp"

namespace agentd::api::workspace {
namespace {

json::object room_json(const agents::Room& r) {
  return {{"id", r.id}, {"name", r.name}, {"agentUuid", r.agent_uuid}, {"createdAt", r.created_at}, {"updatedAt", r.updated_at}};
}

json::object message_json(const agents::StoredMessage& m) {
  return {{"id", m.message_id}, {"role", m.message.role}, {"content", m.message.content}, {"createdAt", m.created_at}};
}

net::awaitable<http::Response> create(const Services& s, RequestContext& ctx) {
  auto creating = s.workspace.create_room({org_of(ctx), ctx.principal->key->user_id}, body_of(ctx));
  const agents::Room room = co_await std::move(creating);
  co_return data(201, room_json(room));
}

net::awaitable<http::Response> list(const Services& s, RequestContext& ctx) {
  const ListRequest r = list_request(ctx);
  auto listing = s.workspace.rooms(org_of(ctx), r.listing);
  const agents::RoomPage page = co_await std::move(listing);
  json::array items;
  for (const auto& room : page.rooms) items.push_back(room_json(room));
  co_return page_of(ctx, std::move(items), r, page.total);
}

// The newest `limit` messages (default 50, max 100), oldest first.
net::awaitable<http::Response> messages(const Services& s, RequestContext& ctx) {
  const int limit = int_param(ctx, "limit", 50, 1, 100);
  auto reading = s.workspace.room_messages(org_of(ctx), ctx.param("id"), limit);
  const auto found = co_await std::move(reading);
  json::array items;
  for (const auto& m : found.messages) items.push_back(message_json(m));
  co_return data(200, std::move(items));
}

net::awaitable<http::Response> post(const Services& s, RequestContext& ctx) {
  auto posting = s.workspace.post_message(org_of(ctx), ctx.param("id"), body_of(ctx), ctx.charge_now,
                                          models::count_tokens(ctx.request.body()));
  const auto reply = co_await std::move(posting);
  ctx.cost = reply.cost;
  co_return data(201, message_json(reply.message));
}

}  // namespace

void add_room_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  using bhttp::verb;
  using namespace schema;
  const RouteGroup group{d, dialect, s};
  // What room_json and message_json write.
  const Schema room = obj({{"id", str()}, {"name", str()}, {"agentUuid", str()}, {"createdAt", str()}, {"updatedAt", str()}},
                          {"id", "name", "agentUuid", "createdAt"});
  const Schema message = obj({{"id", str()}, {"role", one_of({"user", "assistant"})}, {"content", str()}, {"createdAt", str()}},
                             {"id", "role", "content", "createdAt"});
  group.add(verb::post, "/api/v1/rooms", "workspace:write", create,
            {.summary = "Open a room (a conversation with an agent, shared by the team)",
             .body = obj({{"agentUuid", str()}, {"name", str()}}, {"agentUuid", "name"}),
             .response = data_schema(room),
             .status = 201});
  group.add(verb::get, "/api/v1/rooms", "workspace:read", list,
            {.summary = "List rooms", .response = page_schema(room), .paged = true});
  group.add(verb::get, "/api/v1/rooms/{id}/messages", "workspace:read", messages,
            {.summary = "A room's newest messages, oldest first",
             .query = {{"limit", integer(1, 100), "messages (50)"}},
             .response = data_schema(array(message))});
  d.add({.method = verb::post, .pattern = "/api/v1/rooms/{id}/messages", .dialect = &dialect, .scope = "agents:invoke",
         .estimate = [&s](const access::Call& call) { return s.chat.estimate(call.request.body()); },
         .handler = [&s](RequestContext& ctx) { return post(s, ctx); },
         .doc = {.summary = "Post a message; the answer is the agent's reply",
                 .body = obj({{"content", str()}}, {"content"}),
                 .response = data_schema(message),
                 .status = 201,
                 .errors = {ErrorKind::bad_gateway, ErrorKind::unavailable}}});
}

}  // namespace agentd::api::workspace

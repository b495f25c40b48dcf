// Agents API: POST /v1/agents/{agentId}/messages (plain, or streamed with stream:true) and
// /messages/stream (API.md 6). The chat-turn service runs the turn, as for chat completions:
// a roomId is a session, billing and providers are the same.
#include "api/agents_v1/agent_json.hpp"
#include "api/agents_v1/dialect.hpp"
#include "api/common/dispatcher.hpp"
#include "core/clock.hpp"
#include "models/tokens.hpp"

#include <boost/json.hpp>

namespace agentd::api::agents_v1 {
namespace json = boost::json;
namespace {

struct MessageRequest {
  std::string text, user_id, room_id;
  std::optional<std::string> context;
  bool stream = false;
};

MessageRequest parse_message(const std::string& body, bool stream_route) {
  const JsonBody b = JsonBody::parse(body);
  MessageRequest r;
  const auto* text = b.raw("text");
  if (!text || !text->is_string()) throw AppError(ErrorKind::bad_request, "invalid_message", "text is required");
  r.text = std::string(text->as_string());
  if (r.text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw AppError(ErrorKind::bad_request, "invalid_message", "Message text must not be empty");
  if (r.text.size() > 100'000) throw AppError(ErrorKind::bad_request, "invalid_message", "Message text is longer than 100000 characters");
  r.user_id = b.string("userId").value_or("");
  if (auto room = b.string("roomId")) {
    if (room->empty() || room->size() > 128 ||
        room->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:") != std::string::npos)
      throw invalid_field("roomId", "format", {}, "roomId must be 1 to 128 letters, digits or -_.:");
    r.room_id = *room;
  }
  if (const auto* c = b.raw("context")) r.context = c->is_string() ? std::string(c->as_string()) : json::serialize(*c);
  r.stream = stream_route || b.boolean("stream").value_or(false);
  return r;
}

// The stream's events: {"type":"token","content":...} as the answer is produced.
class TokenStream final : public agents::TurnStream {
 public:
  explicit TokenStream(http::EventStream& stream) : stream_(stream) {}
  net::awaitable<void> send(json::object event) {  // by value: callers pass temporaries
    auto sending = stream_.send("data: " + json::serialize(event) + "\n\n");
    if (!co_await std::move(sending)) throw boost::system::system_error(net::error::operation_aborted);
  }
  net::awaitable<void> text(std::string_view text) override {
    auto sending = send({{"type", "token"}, {"content", text}});
    co_await std::move(sending);
  }
  net::cancellation_slot hangup_slot() override { return stream_.hangup_slot(); }
  bool client_gone() const override { return stream_.client_gone(); }

 private:
  http::EventStream& stream_;
};

json::object metadata(const agents::TurnOutcome& out, const agents::Agent& agent, double started, double now) {
  const auto slash = agent.model.find('/');
  return {{"tokensUsed", out.result.usage.total()},
          {"responseTime", static_cast<std::int64_t>((now - started) * 1000)},
          {"model", slash == std::string::npos ? agent.model : agent.model.substr(slash + 1)}};
}

net::awaitable<http::Response> send_message(const Services& s, RequestContext& ctx, bool stream_route) {
  const double started = s.clock.mono_seconds();
  MessageRequest req = parse_message(ctx.request.body(), stream_route);
  const auto& principal = *ctx.principal;
  agents::TurnRequest tr;
  tr.owner = {principal.org.org_id, principal.key->user_id};
  tr.session_id = req.room_id;
  auto add = [&tr](std::string role, std::string content) {
    models::ChatMessage m;
    m.role = std::move(role);
    m.content = std::move(content);
    tr.messages.push_back(std::move(m));
  };
  if (req.context) add("system", "Context: " + *req.context);
  add("user", req.text);
  tr.agent_ref = ctx.param("agentId");
  tr.agent_must_exist = true;
  tr.request_tokens = models::count_tokens(ctx.request.body());
  tr.charge = ctx.charge_now;
  auto opening = s.chat.open(std::move(tr));
  agents::Turn turn = co_await std::move(opening);
  const agents::Agent& agent = turn.target.agent;
  const std::string room_id = turn.conv.session.public_id;

  if (!req.stream) {
    auto answering = s.chat.answer(turn);
    const agents::TurnOutcome out = co_await std::move(answering);
    ctx.cost = out.cost;
    co_return http::json_response(200, success(json::object{{"messageId", out.message_id},
                                                            {"response", out.result.content},
                                                            {"agentId", agent.id},
                                                            {"userId", req.user_id},
                                                            {"roomId", room_id},
                                                            {"timestamp", iso8601_unix(s.clock.unix_seconds())},
                                                            {"metadata", metadata(out, agent, started, s.clock.mono_seconds())}}));
  }

  http::Response head = http::make_response(200, "", "text/event-stream");
  auto opening_stream = ctx.open_stream(head);
  co_await std::move(opening_stream);
  TokenStream events(*ctx.stream);
  auto answering = s.chat.answer_streamed(turn, events);
  const agents::TurnOutcome out = co_await std::move(answering);
  ctx.cost = out.cost;
  if (out.client_left) co_return head;
  try {
    json::object last = out.failure ? ctx.dialect().stream_error(*out.failure)
                                    : json::object{{"type", "done"},
                                                   {"messageId", out.message_id},
                                                   {"agentId", agent.id},
                                                   {"userId", req.user_id},
                                                   {"roomId", room_id},
                                                   {"metadata", metadata(out, agent, started, s.clock.mono_seconds())}};
    auto sending = events.send(last);
    co_await std::move(sending);
  } catch (const boost::system::system_error&) {
    // The client left during the last event; the turn is stored and billed.
  }
  co_return head;
}

}  // namespace

void add_message_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  using namespace schema;
  auto estimate = [&s](const access::Call& call) { return s.chat.estimate(call.request.body()); };
  // What parse_message takes and send_message answers.
  const Schema body = obj({{"text", str()}, {"userId", str()}, {"roomId", str("1 to 128 letters, digits or -_.:")},
                           {"context", any()}, {"stream", boolean()}},
                          {"text"});
  const Schema metadata = obj({{"tokensUsed", integer()}, {"responseTime", integer()}, {"model", str()}});
  d.add({.method = bhttp::verb::post, .pattern = "/v1/agents/{agentId}/messages", .dialect = &dialect,
         .scope = "agents:invoke", .estimate = estimate,
         .handler = [&s](RequestContext& ctx) { return send_message(s, ctx, false); },
         .doc = {.summary = "Send a message to an agent (stream: true answers with events)",
                 .body = body,
                 .response = success_schema(obj({{"messageId", str()}, {"response", str()}, {"agentId", str()}, {"userId", str()},
                                                 {"roomId", str()}, {"timestamp", str()}, {"metadata", metadata}},
                                                {"messageId", "response", "agentId", "roomId", "timestamp"})),
                 .streams = true,
                 .errors = {ErrorKind::bad_gateway, ErrorKind::unavailable}}});
  d.add({.method = bhttp::verb::post, .pattern = "/v1/agents/{agentId}/messages/stream", .dialect = &dialect,
         .scope = "agents:invoke", .estimate = estimate,
         .handler = [&s](RequestContext& ctx) { return send_message(s, ctx, true); },
         .doc = {.summary = "Send a message and read the answer as events (token, then done)",
                 .body = body,
                 .response = described(str(), "data: {\"type\":\"token\",\"content\":...} events, then {\"type\":\"done\",...}"),
                 .response_type = "text/event-stream",
                 .errors = {ErrorKind::bad_gateway, ErrorKind::unavailable}}});
}

}  // namespace agentd::api::agents_v1

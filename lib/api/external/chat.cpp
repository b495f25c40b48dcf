// External API and OpenAI-compatible chat completions (API.md 3.1, 3.2 invoke, 4): OpenAI's
// request and response format, plain or streamed as Server-Sent Events. The chat-turn service
// runs the turn; this adapter parses and shapes.
#include "agents/chat_turn.hpp"
#include "api/common/dispatcher.hpp"
#include "api/common/json_body.hpp"
#include "api/common/schema.hpp"
#include "api/external/dialect.hpp"
#include "core/ids.hpp"
#include "models/tokens.hpp"

#include <boost/json.hpp>

#include <sstream>

namespace agentd::api::external {
namespace json = boost::json;
using models::ChatMessage;

namespace {

struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::string model;
  bool stream = false;
  bool include_usage = false;
  std::string session_id;
  models::Sampling sampling;
  std::vector<models::ToolSpec> tools;
  json::value tool_choice;
};

AppError invalid(const std::string& field, const std::string& what) {
  return invalid_field(field, what == "is required" ? "required" : "invalid", {}, field + " " + what);
}

std::string text_content(const json::value& v, const std::string& field) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return {};
  if (!v.is_array()) throw invalid(field, "must be a string or an array of text parts");
  std::string out;
  for (const auto& part : v.as_array()) {
    const auto* o = part.if_object();
    const auto* type = o ? o->if_contains("type") : nullptr;
    const auto* text = o ? o->if_contains("text") : nullptr;
    if (!type || !type->is_string() || type->as_string() != "text" || !text || !text->is_string())
      throw invalid(field, "parts must be {\"type\":\"text\",\"text\":\"...\"}");
    if (!out.empty()) out += "\n";
    out += text->as_string();
  }
  return out;
}

double number_in(const json::value& v, const std::string& field, double lo, double hi) {
  if (!v.is_number()) throw invalid(field, "must be a number");
  const double x = v.to_number<double>();
  auto show = [](double d) {
    std::ostringstream out;
    out << d;
    return out.str();
  };
  if (x < lo || x > hi) throw invalid(field, "must be between " + show(lo) + " and " + show(hi));
  return x;
}

std::string session_ref(const json::value& v, const std::string& field) {
  if (!v.is_string()) throw invalid(field, "must be a string");
  const std::string s(v.as_string());
  if (s.empty() || s.size() > 128 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':'; }))
    throw invalid(field, "must be 1 to 128 letters, digits or -_.:");
  return s;
}

ChatRequest parse_chat(const std::string& body) {
  const JsonBody b = JsonBody::parse(body);
  const auto& o = b.object();
  ChatRequest r;

  const auto* messages = o.if_contains("messages");
  if (!messages) throw invalid("messages", "is required");
  if (!messages->is_array() || messages->as_array().empty()) throw invalid("messages", "must be a non-empty array");
  for (std::size_t i = 0; i < messages->as_array().size(); ++i) {
    const std::string field = "messages[" + std::to_string(i) + "]";
    const auto* m = messages->as_array()[i].if_object();
    if (!m) throw invalid(field, "must be an object");
    const auto* role = m->if_contains("role");
    if (!role || !role->is_string()) throw invalid(field + ".role", "is required");
    ChatMessage msg;
    msg.role = role->as_string();
    if (msg.role == "developer") msg.role = "system";
    if (msg.role != "system" && msg.role != "user" && msg.role != "assistant" && msg.role != "tool")
      throw invalid(field + ".role", "must be one of system, user, assistant, tool");
    const auto* content = m->if_contains("content");
    if (!content && msg.role != "assistant") throw invalid(field + ".content", "is required");
    if (content) msg.content = text_content(*content, field + ".content");
    if (const auto* n = m->if_contains("name"); n && n->is_string()) msg.name = n->as_string();
    if (msg.role == "tool") {
      const auto* id = m->if_contains("tool_call_id");
      if (!id || !id->is_string()) throw invalid(field + ".tool_call_id", "is required for a tool message");
      msg.tool_call_id = id->as_string();
    }
    if (const auto* calls = m->if_contains("tool_calls"); calls && !calls->is_null()) {
      if (!calls->is_array()) throw invalid(field + ".tool_calls", "must be an array");
      for (const auto& c : calls->as_array()) {
        const auto* co = c.if_object();
        const auto* fn = co ? co->if_contains("function") : nullptr;
        if (!fn || !fn->is_object() || !fn->as_object().contains("name"))
          throw invalid(field + ".tool_calls", "entries must be {\"id\",\"type\":\"function\",\"function\":{\"name\",\"arguments\"}}");
        models::ToolCall t;
        if (const auto* id = co->if_contains("id"); id && id->is_string()) t.id = id->as_string();
        t.name = json::value_to<std::string>(fn->as_object().at("name"));
        if (const auto* a = fn->as_object().if_contains("arguments"); a && a->is_string()) t.arguments = a->as_string();
        msg.tool_calls.push_back(std::move(t));
      }
    }
    r.messages.push_back(std::move(msg));
  }

  for (const auto& kv : o) {
    const std::string key(kv.key());
    const json::value& x = kv.value();
    if (x.is_null()) continue;
    if (key == "model") {
      if (!x.is_string()) throw invalid(key, "must be a string");
      r.model = x.as_string();
    } else if (key == "stream") {
      if (!x.is_bool()) throw invalid(key, "must be true or false");
      r.stream = x.as_bool();
    } else if (key == "stream_options") {
      const auto* so = x.if_object();
      if (!so) throw invalid(key, "must be an object");
      if (const auto* iu = so->if_contains("include_usage")) {
        if (!iu->is_bool()) throw invalid("stream_options.include_usage", "must be true or false");
        r.include_usage = iu->as_bool();
      }
    } else if (key == "session_id") {
      r.session_id = session_ref(x, key);
    } else if (key == "elevenlabs_extra_body") {
      if (!x.is_object()) throw invalid(key, "must be an object");
      if (const auto* cid = x.as_object().if_contains("conversation_id"); cid && !cid->is_null() && r.session_id.empty())
        r.session_id = session_ref(*cid, "elevenlabs_extra_body.conversation_id");
    } else if (key == "temperature") {
      r.sampling.temperature = number_in(x, key, 0, 2);
    } else if (key == "top_p") {
      r.sampling.top_p = number_in(x, key, 0, 1);
    } else if (key == "frequency_penalty") {
      r.sampling.frequency_penalty = number_in(x, key, -2, 2);
    } else if (key == "presence_penalty") {
      r.sampling.presence_penalty = number_in(x, key, -2, 2);
    } else if (key == "max_tokens" || key == "max_completion_tokens") {
      if (!x.is_int64() || x.as_int64() < 1 || x.as_int64() > 1'000'000) throw invalid(key, "must be an integer from 1 to 1000000");
      r.sampling.max_tokens = static_cast<int>(x.as_int64());
    } else if (key == "n") {
      if (!x.is_int64() || x.as_int64() != 1) throw invalid(key, "must be 1: only one choice is supported");
    } else if (key == "stop") {
      if (x.is_string()) r.sampling.stop.emplace_back(x.as_string());
      else if (x.is_array() && x.as_array().size() <= 4) {
        for (const auto& s : x.as_array()) {
          if (!s.is_string()) throw invalid(key, "must be a string or an array of up to 4 strings");
          r.sampling.stop.emplace_back(s.as_string());
        }
      } else throw invalid(key, "must be a string or an array of up to 4 strings");
    } else if (key == "tools") {
      if (!x.is_array()) throw invalid(key, "must be an array");
      for (std::size_t i = 0; i < x.as_array().size(); ++i) {
        const std::string field = "tools[" + std::to_string(i) + "]";
        const auto* t = x.as_array()[i].if_object();
        const auto* fn = t ? t->if_contains("function") : nullptr;
        const auto* name = fn && fn->is_object() ? fn->as_object().if_contains("name") : nullptr;
        if (!name || !name->is_string() || name->as_string().empty() || name->as_string().size() > 64)
          throw invalid(field + ".function.name", "is required (1 to 64 characters)");
        models::ToolSpec spec;
        spec.name = name->as_string();
        if (const auto* d = fn->as_object().if_contains("description"); d && d->is_string()) spec.description = d->as_string();
        if (const auto* p = fn->as_object().if_contains("parameters")) spec.parameters = *p;
        r.tools.push_back(std::move(spec));
      }
    } else if (key == "tool_choice") {
      const bool word = x.is_string() && (x.as_string() == "none" || x.as_string() == "auto" || x.as_string() == "required");
      if (!word && !x.is_object()) throw invalid(key, "must be none, auto, required or {\"type\":\"function\",\"function\":{\"name\"}}");
      r.tool_choice = x;
    }
    // Other OpenAI fields (user, seed, logprobs, ...) are accepted and have no effect here.
  }
  return r;
}

json::array tool_calls_json(const std::vector<models::ToolCall>& calls, bool indexed) {
  json::array out;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    json::object c{{"id", calls[i].id}, {"type", "function"},
                   {"function", {{"name", calls[i].name}, {"arguments", calls[i].arguments}}}};
    if (indexed) c["index"] = i;
    out.push_back(std::move(c));
  }
  return out;
}

json::array citations_json(const std::vector<agents::Citation>& citations) {
  json::array out;
  for (const auto& c : citations) out.push_back(agents::citation_json(c));
  return out;
}

// One streamed completion: chunks as API.md 3.1 describes them.
class ChunkWriter final : public agents::TurnStream {
 public:
  ChunkWriter(http::EventStream& stream, std::string id, std::int64_t created, std::string model, std::string session_id)
      : stream_(stream), id_(std::move(id)), created_(created), model_(std::move(model)), session_id_(std::move(session_id)) {}

  json::object chunk(json::object delta, json::value finish_reason) const {
    return {{"id", id_},
            {"object", "chat.completion.chunk"},
            {"created", created_},
            {"model", model_},
            {"session_id", session_id_},
            {"choices", json::array{{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish_reason)}}}}};
  }
  // Throws operation_aborted when the client has gone, which stops the producer.
  net::awaitable<void> send(json::object event) {
    auto sending = stream_.send("data: " + json::serialize(event) + "\n\n");
    if (!co_await std::move(sending)) throw boost::system::system_error(net::error::operation_aborted);
  }
  net::awaitable<void> done() {
    auto sending = stream_.send("data: [DONE]\n\n");
    co_await std::move(sending);
  }
  net::awaitable<void> text(std::string_view text) override {
    auto sending = send(chunk({{"content", text}}, nullptr));
    co_await std::move(sending);
  }
  net::cancellation_slot hangup_slot() override { return stream_.hangup_slot(); }
  bool client_gone() const override { return stream_.client_gone(); }

 private:
  http::EventStream& stream_;
  std::string id_;
  std::int64_t created_;
  std::string model_, session_id_;
};

// What the answer says about the turn, beside the service's outcome.
struct Reply {
  std::string id, model;
  std::int64_t created = 0;
  json::object agent_json;
  std::string session_id;
  bool include_usage = false;
};

json::object message_json(const agents::RunResult& result) {
  json::object message{{"role", "assistant"}, {"content", result.content}};
  if (!result.tool_calls.empty()) {
    message["tool_calls"] = tool_calls_json(result.tool_calls, false);
    if (result.content.empty()) message["content"] = nullptr;
  }
  return message;
}

net::awaitable<http::Response> answer_plain(const Services& s, RequestContext& ctx, agents::Turn& turn, const Reply& r) {
  auto answering = s.chat.answer(turn);
  const agents::TurnOutcome out = co_await std::move(answering);
  ctx.cost = out.cost;
  json::object body{{"id", r.id},
                    {"object", "chat.completion"},
                    {"created", r.created},
                    {"model", r.model},
                    {"choices", json::array{{{"index", 0}, {"message", message_json(out.result)}, {"finish_reason", out.result.finish_reason}}}},
                    {"usage", agents::usage_json(out.result.usage)},
                    {"session_id", r.session_id},
                    {"agent", r.agent_json},
                    {"citations", citations_json(out.result.citations)}};
  auto res = http::json_response(200, body);
  res.set("X-Session-Id", r.session_id);
  co_return res;
}

// Streamed: the header goes out first; from there on errors are events.
net::awaitable<http::Response> answer_streamed(const Services& s, RequestContext& ctx, agents::Turn& turn, const Reply& r) {
  http::Response head = http::make_response(200, "", "text/event-stream");
  head.set("X-Session-Id", r.session_id);
  auto opening = ctx.open_stream(head);
  co_await std::move(opening);
  ChunkWriter out(*ctx.stream, r.id, r.created, r.model, r.session_id);
  try {
    auto first = out.send(out.chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
    co_await std::move(first);
  } catch (const boost::system::system_error&) {
    // Gone already: the turn notices, and is stored and billed as cut.
  }
  auto answering = s.chat.answer_streamed(turn, out);
  const agents::TurnOutcome outcome = co_await std::move(answering);
  ctx.cost = outcome.cost;
  if (outcome.client_left) co_return head;
  const agents::RunResult& result = outcome.result;
  try {
    if (outcome.failure) {
      auto sending = out.send(ctx.dialect().stream_error(*outcome.failure));
      co_await std::move(sending);
    } else {
      if (!result.tool_calls.empty()) {
        auto sending = out.send(out.chunk({{"tool_calls", tool_calls_json(result.tool_calls, true)}}, nullptr));
        co_await std::move(sending);
      }
      json::object last = out.chunk({}, json::value(result.finish_reason));
      last["agent"] = r.agent_json;
      last["citations"] = citations_json(result.citations);
      auto sending = out.send(last);
      co_await std::move(sending);
      if (r.include_usage) {
        json::object usage = out.chunk({}, nullptr);
        usage["choices"] = json::array{};
        usage["usage"] = agents::usage_json(result.usage);
        auto sending_usage = out.send(usage);
        co_await std::move(sending_usage);
      }
    }
    auto finishing = out.done();
    co_await std::move(finishing);
  } catch (const boost::system::system_error&) {
    // The client left during the last events; the turn is recorded and billed.
  }
  co_return head;
}

net::awaitable<http::Response> complete(const Services& s, RequestContext& ctx, bool agent_route) {
  ChatRequest req = parse_chat(ctx.request.body());
  const auto& principal = *ctx.principal;
  if (req.stream && !agent_route) access::require_scope(ctx, "orchestrator:stream");
  agents::TurnRequest tr;
  tr.owner = {principal.org.org_id, principal.key->user_id};
  tr.session_id = req.session_id;
  tr.messages = std::move(req.messages);
  tr.agent_ref = agent_route ? ctx.param("agent_id") : req.model;
  tr.agent_must_exist = agent_route;
  tr.client_tools = std::move(req.tools);
  tr.tool_choice = req.tool_choice;
  tr.sampling = req.sampling;
  tr.request_tokens = models::count_tokens(ctx.request.body());
  tr.charge = ctx.charge_now;
  auto opening = s.chat.open(std::move(tr));
  agents::Turn turn = co_await std::move(opening);
  if (turn.target.named && !agent_route) access::require_scope(ctx, "agents:invoke");

  const agents::Agent& agent = turn.target.agent;
  Reply r{"chatcmpl-" + random_base62(29), agent_route ? agent.slug : req.model.empty() ? std::string("orchestrator") : req.model,
          static_cast<std::int64_t>(s.clock.unix_seconds()), {{"id", agent.id}, {"name", agent.name}},
          turn.conv.session.public_id, req.include_usage};
  // Two coroutines, so that each keeps only its own locals alive while it runs.
  auto answering = req.stream ? answer_streamed(s, ctx, turn, r) : answer_plain(s, ctx, turn, r);
  co_return co_await std::move(answering);
}

// What parse_request takes and answer_plain writes (OpenAI's chat completion, with agentd's
// session, agent and citations beside it).
RouteDoc completion_doc(std::string summary) {
  using namespace schema;
  const Schema tool_call = obj({{"id", str()}, {"type", one_of({"function"})},
                                {"function", obj({{"name", str()}, {"arguments", str()}}, {"name", "arguments"})}},
                               {"id", "type", "function"});
  const Schema message = obj({{"role", one_of({"system", "developer", "user", "assistant", "tool"})},
                              {"content", {{"anyOf", boost::json::array{str(), array(any_object()), {{"type", "null"}}}}}},
                              {"name", str()}, {"tool_call_id", str()}, {"tool_calls", array(tool_call)}},
                             {"role"});
  return {.summary = std::move(summary),
          .body = obj({{"model", str("orchestrator (default) or an agent's slug")}, {"messages", array(message)},
                       {"stream", boolean()}, {"stream_options", obj({{"include_usage", boolean()}})},
                       {"session_id", str("continue a session")}, {"tools", array(any_object())}, {"tool_choice", any()},
                       {"temperature", number(0, 2)}, {"top_p", number(0, 1)}, {"max_tokens", integer(1)},
                       {"stop", any()}, {"frequency_penalty", number(-2, 2)}, {"presence_penalty", number(-2, 2)}},
                      {"messages"}),
          .response = obj({{"id", str()}, {"object", one_of({"chat.completion"})}, {"created", integer()}, {"model", str()},
                           {"choices", array(obj({{"index", integer()},
                                                  {"message", obj({{"role", str()}, {"content", nullable(str())}, {"tool_calls", array(tool_call)}},
                                                                  {"role", "content"})},
                                                  {"finish_reason", str()}},
                                                 {"index", "message", "finish_reason"}))},
                           {"usage", obj({{"prompt_tokens", integer()}, {"completion_tokens", integer()}, {"total_tokens", integer()}},
                                         {"prompt_tokens", "completion_tokens", "total_tokens"})},
                           {"session_id", str()}, {"agent", obj({{"id", str()}, {"name", str()}})}, {"citations", array(any_object())}},
                          {"id", "object", "created", "model", "choices", "usage"}),
          .streams = true,
          .errors = {ErrorKind::conflict, ErrorKind::bad_gateway, ErrorKind::unavailable}};
}

}  // namespace

void add_chat_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  auto estimate = [&s](const access::Call& call) { return s.chat.estimate(call.request.body()); };
  for (const char* path : {"/api/external/v1/chat/completions", "/v1/chat/completions"})
    d.add({.method = bhttp::verb::post, .pattern = path, .dialect = &dialect, .scope = "orchestrator:invoke",
           .estimate = estimate, .handler = [&s](RequestContext& ctx) { return complete(s, ctx, false); },
           .doc = completion_doc("Chat completion (OpenAI-compatible) with the orchestrator or an agent named by model")});
  d.add({.method = bhttp::verb::post, .pattern = "/api/external/agents/{agent_id}/completions", .dialect = &dialect,
         .scope = "agents:invoke", .estimate = estimate, .handler = [&s](RequestContext& ctx) { return complete(s, ctx, true); },
         .doc = completion_doc("Chat completion with one agent")});
}

}  // namespace agentd::api::external

// External API and OpenAI-compatible chat completions (API.md 3.1, 3.2 invoke, 4): OpenAI's
// request and response format, plain or streamed as Server-Sent Events.
#include "access/pipeline.hpp"
#include "agents/conversation.hpp"
#include "api/error_map.hpp"
#include "api/routes.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "models/tokens.hpp"
#include "server/app.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>

#include <sstream>

namespace agentd::api {
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

AppError invalid(const std::string& field, const std::string& what) { return bad_request(field + " " + what, field); }

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
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) throw bad_request("Request body must be a JSON object");
  const auto& o = v.as_object();
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

Micros completion_cost(const App& app, int tokens) {
  const auto& p = app.config.prices;
  return p.completion_base + (p.completion_per_1000_tokens * tokens + 999) / 1000;
}

// Reserved before any work: the base price and the request's own text plus a 1,024-token answer.
Micros completion_estimate(const App& app, const http::RequestContext& ctx) {
  return completion_cost(app, models::count_tokens(ctx.request.body()) + 1024);
}

// One streamed completion: chunks as API.md 3.1 describes them.
class ChunkWriter {
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

 private:
  http::EventStream& stream_;
  std::string id_;
  std::int64_t created_;
  std::string model_, session_id_;
};

// Everything one completion needs once the request is understood and the agent chosen.
struct Turn {
  ChatRequest req;
  agents::Conversation conv;
  agents::Target target;
  agents::Invocation inv;
  std::string id, model;
  std::int64_t created = 0;
  json::object agent_json;
};

net::awaitable<http::Response> answer_plain(App& app, http::RequestContext& ctx, Turn& t) {
  const agents::Agent& agent = t.target.agent;
  auto running = agents::run_agent(app, agent, t.inv);
  agents::RunResult result = co_await std::move(running);
  auto recording = agents::record_turn(app, t.conv, agent, result);
  co_await std::move(recording);
  ctx.cost = completion_cost(app, result.usage.total());
  json::object message{{"role", "assistant"}, {"content", result.content}};
  if (!result.tool_calls.empty()) {
    message["tool_calls"] = tool_calls_json(result.tool_calls, false);
    if (result.content.empty()) message["content"] = nullptr;
  }
  json::object body{{"id", t.id},
                    {"object", "chat.completion"},
                    {"created", t.created},
                    {"model", t.model},
                    {"choices", json::array{{{"index", 0}, {"message", std::move(message)}, {"finish_reason", result.finish_reason}}}},
                    {"usage", agents::usage_json(result.usage)},
                    {"session_id", t.conv.session.public_id},
                    {"agent", t.agent_json},
                    {"citations", citations_json(result.citations)}};
  auto res = http::json_response(200, body);
  res.set("X-Session-Id", t.conv.session.public_id);
  co_return res;
}

// Streamed: the header goes out first; from there on errors are events.
net::awaitable<http::Response> answer_streamed(App& app, http::RequestContext& ctx, Turn& t) {
  const agents::Agent& agent = t.target.agent;
  const ChatRequest& req = t.req;
  agents::Conversation& conv = t.conv;
  agents::Invocation& inv = t.inv;
  const json::object& agent_json = t.agent_json;
  http::Response head = http::make_response(200, "", "text/event-stream");
  head.set("X-Session-Id", conv.session.public_id);
  auto opening_stream = ctx.stream->open(head);
  co_await std::move(opening_stream);
  ctx.streamed = true;
  ChunkWriter out(*ctx.stream, t.id, t.created, t.model, conv.session.public_id);

  std::string produced;  // what reached the client, for billing and the session when cut short
  const models::TextSink sink = [&](std::string_view text) -> net::awaitable<void> {
    produced += text;
    auto sending = out.send(out.chunk({{"content", text}}, nullptr));
    co_await std::move(sending);
  };
  inv.sink = sink;
  agents::RunResult result;
  std::optional<AppError> failure;
  bool client_left = false;
  try {
    auto first = out.send(out.chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
    co_await std::move(first);
    // The work is bound to the client: a hang-up cancels it, upstream requests included.
    auto running = net::co_spawn(app.ioc, agents::run_agent(app, agent, inv),
                                 net::bind_cancellation_slot(ctx.stream->hangup_slot(), net::use_awaitable));
    result = co_await std::move(running);
  } catch (const AppError& e) {
    failure = e;
  } catch (const boost::system::system_error& e) {
    if (e.code() == net::error::operation_aborted || ctx.stream->client_gone()) client_left = true;
    else failure = internal_error();
  } catch (const std::exception& e) {
    log::write(log::Level::error, {{"msg", "completion failed"}, {"request_id", ctx.request_id}, {"error", e.what()}});
    failure = internal_error();
  }
  client_left = client_left || ctx.stream->client_gone();

  if (failure || client_left) {
    // Billed and kept as far as it went.
    result.content = produced;
    result.tool_calls.clear();
    result.citations.clear();
    result.usage.prompt_tokens = std::max(result.usage.prompt_tokens, models::count_tokens(ctx.request.body()));
    result.usage.completion_tokens = models::count_tokens(produced);
    result.finish_reason = client_left ? "cancelled" : "error";
  }
  if (!failure || !produced.empty()) {
    auto recording = agents::record_turn(app, conv, agent, result);
    co_await std::move(recording);
  }
  ctx.cost = completion_cost(app, result.usage.total());
  if (client_left) co_return head;

  try {
    if (failure) {
      const json::object error = external_error_object(*failure);
      auto sending = out.send({{"error", error}});
      co_await std::move(sending);
    } else {
      if (!result.tool_calls.empty()) {
        auto sending = out.send(out.chunk({{"tool_calls", tool_calls_json(result.tool_calls, true)}}, nullptr));
        co_await std::move(sending);
      }
      json::object last = out.chunk({}, json::value(result.finish_reason));
      last["agent"] = agent_json;
      last["citations"] = citations_json(result.citations);
      auto sending = out.send(last);
      co_await std::move(sending);
      if (req.include_usage) {
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


net::awaitable<http::Response> complete(App& app, http::RequestContext& ctx, bool agent_route) {
  Turn t;
  t.req = parse_chat(ctx.request.body());
  const ChatRequest& req = t.req;
  const auto& principal = *ctx.principal;
  if (req.stream && !agent_route) access::require_scope(ctx, "orchestrator:stream");
  const std::string ref = agent_route ? ctx.param("agent_id") : req.model;

  const agents::SessionOwner owner{principal.org.org_id, principal.key->user_id};
  auto opening = agents::open_conversation(app, owner, req.session_id, req.messages);
  t.conv = co_await std::move(opening);

  const std::string question = agents::last_user_text(t.conv.context);
  auto resolving = agents::resolve_target(app, principal.org.org_id, ref, question, agent_route, t.conv.session.agent_id);
  t.target = co_await std::move(resolving);
  if (t.target.named && !agent_route) access::require_scope(ctx, "agents:invoke");
  const agents::Agent& agent = t.target.agent;
  agents::SessionActivity::Guard busy(app.sessions, agents::SessionActivity::key(owner, t.conv.session.public_id));

  t.inv.org_id = principal.org.org_id;
  t.inv.messages = std::move(t.conv.context);
  t.inv.client_tools = std::move(t.req.tools);
  t.req.messages = {};  // the conversation holds them now
  t.inv.tool_choice = req.tool_choice;
  t.inv.sampling = req.sampling;
  t.id = "chatcmpl-" + random_base62(29);
  t.created = static_cast<std::int64_t>(app.clock.unix_seconds());
  t.model = agent_route ? agent.slug : req.model.empty() ? std::string("orchestrator") : req.model;
  t.agent_json = {{"id", agent.id}, {"name", agent.name}};

  // Two coroutines, so that each keeps only its own locals alive while it runs.
  auto answering = req.stream ? answer_streamed(app, ctx, t) : answer_plain(app, ctx, t);
  co_return co_await std::move(answering);
}
}  // namespace

void register_chat_routes(App& app) {
  using http::bhttp::verb;
  const auto d = http::Dialect::external;
  auto estimate = [&app](const http::RequestContext& ctx) { return completion_estimate(app, ctx); };
  for (const char* path : {"/api/external/v1/chat/completions", "/v1/chat/completions"})
    app.router.add({verb::post, path, d, "orchestrator:invoke", 0, estimate,
                    [&app](http::RequestContext& ctx) { return complete(app, ctx, false); }});
  app.router.add({verb::post, "/api/external/agents/{agent_id}/completions", d, "agents:invoke", 0, estimate,
                  [&app](http::RequestContext& ctx) { return complete(app, ctx, true); }});
}

}  // namespace agentd::api

#include "models/openai.hpp"

#include "core/errors.hpp"
#include "core/log.hpp"
#include "models/tokens.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <map>

namespace agentd::models {
namespace json = boost::json;
namespace net = boost::asio;
namespace bhttp = boost::beast::http;
namespace {

// A failure worth another attempt (nothing reached the client yet).
struct Retryable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

AppError model_error(const std::string& provider, const std::string& what) {
  return AppError(ErrorKind::bad_gateway, "model_error", "Model provider '" + provider + "' failed: " + what);
}

std::string upstream_message(const std::string& body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object())
    if (auto* e = v.as_object().if_contains("error")) {
      if (e->is_object())
        if (auto* m = e->as_object().if_contains("message"); m && m->is_string()) return std::string(m->as_string());
      if (e->is_string()) return std::string(e->as_string());
    }
  return body.substr(0, 200);
}

std::vector<ToolCall> parse_tool_calls(const json::value* v) {
  std::vector<ToolCall> out;
  if (!v || !v->is_array()) return out;
  for (const auto& c : v->as_array()) {
    if (!c.is_object()) continue;
    ToolCall t;
    if (auto* id = c.as_object().if_contains("id"); id && id->is_string()) t.id = id->as_string();
    if (auto* f = c.as_object().if_contains("function"); f && f->is_object()) {
      if (auto* n = f->as_object().if_contains("name"); n && n->is_string()) t.name = n->as_string();
      if (auto* a = f->as_object().if_contains("arguments"); a && a->is_string()) t.arguments = a->as_string();
    }
    out.push_back(std::move(t));
  }
  return out;
}

// Accumulates a streamed answer: content deltas and tool-call fragments by index.
struct StreamState {
  Completion result;
  std::map<std::int64_t, ToolCall> calls;
  bool first_token = false;
  bool done = false;
};

// Applies one `data:` payload; returns the text to pass on (may be empty).
std::string apply_chunk(StreamState& st, std::string_view payload, const std::string& provider) {
  if (payload == "[DONE]") {
    st.done = true;
    return {};
  }
  json::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) throw model_error(provider, "unreadable stream event");
  const auto& o = v.as_object();
  if (o.contains("error")) throw model_error(provider, upstream_message(json::serialize(o)));
  const auto* choices = o.if_contains("choices");
  if (!choices || !choices->is_array() || choices->as_array().empty()) return {};
  const auto& choice = choices->as_array()[0].as_object();
  if (auto* fr = choice.if_contains("finish_reason"); fr && fr->is_string()) st.result.finish_reason = fr->as_string();
  std::string text;
  if (auto* d = choice.if_contains("delta"); d && d->is_object()) {
    const auto& delta = d->as_object();
    if (auto* c = delta.if_contains("content"); c && c->is_string()) text = c->as_string();
    if (auto* tc = delta.if_contains("tool_calls"); tc && tc->is_array()) {
      st.first_token = true;
      for (const auto& frag : tc->as_array()) {
        const auto& f = frag.as_object();
        const std::int64_t index = f.contains("index") ? f.at("index").to_number<std::int64_t>() : 0;
        auto& call = st.calls[index];
        if (auto* id = f.if_contains("id"); id && id->is_string()) call.id = id->as_string();
        if (auto* fn = f.if_contains("function"); fn && fn->is_object()) {
          if (auto* n = fn->as_object().if_contains("name"); n && n->is_string()) call.name += n->as_string();
          if (auto* a = fn->as_object().if_contains("arguments"); a && a->is_string()) call.arguments += a->as_string();
        }
      }
    }
  }
  if (!text.empty()) st.first_token = true;
  st.result.content += text;
  return text;
}

}  // namespace

json::object openai_body(const CompletionRequest& r, bool stream) {
  json::array messages;
  if (!r.instruction.empty()) messages.push_back({{"role", "system"}, {"content", r.instruction}});
  for (const auto& m : r.messages) {
    json::object o{{"role", m.role}, {"content", m.content}};
    if (!m.name.empty()) o["name"] = m.name;
    if (!m.tool_call_id.empty()) o["tool_call_id"] = m.tool_call_id;
    if (!m.tool_calls.empty()) {
      json::array calls;
      for (const auto& c : m.tool_calls)
        calls.push_back({{"id", c.id}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
      o["tool_calls"] = std::move(calls);
      if (m.content.empty()) o["content"] = nullptr;
    }
    messages.push_back(std::move(o));
  }
  json::object body{{"model", r.model}, {"messages", std::move(messages)}, {"stream", stream}};
  const auto& s = r.sampling;
  if (s.temperature) body["temperature"] = *s.temperature;
  if (s.top_p) body["top_p"] = *s.top_p;
  if (s.frequency_penalty) body["frequency_penalty"] = *s.frequency_penalty;
  if (s.presence_penalty) body["presence_penalty"] = *s.presence_penalty;
  if (s.max_tokens) body["max_tokens"] = *s.max_tokens;
  if (!s.stop.empty()) {
    json::array stop;
    for (const auto& x : s.stop) stop.emplace_back(x);
    body["stop"] = std::move(stop);
  }
  if (!r.tools.empty()) {
    json::array tools;
    for (const auto& t : r.tools)
      tools.push_back({{"type", "function"},
                       {"function", {{"name", t.name}, {"description", t.description},
                                     {"parameters", t.parameters.is_null() ? json::value(json::object{{"type", "object"}}) : t.parameters}}}});
    body["tools"] = std::move(tools);
    if (!r.tool_choice.is_null()) body["tool_choice"] = r.tool_choice;
  }
  return body;
}

OpenAIProvider::OpenAIProvider(std::string name, const ProviderSettings& settings)
    : name_(std::move(name)), settings_(settings), endpoint_(http::parse_endpoint(settings.base_url)) {
  http::verify_servers(tls_, settings_.ca_file, "providers." + name_ + ".ca_file");
}

net::awaitable<Completion> OpenAIProvider::complete(const CompletionRequest& request, const TextSink& sink) {
  auto ex = co_await net::this_coro::executor;
  const bool stream = static_cast<bool>(sink);
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, endpoint_.path + "/chat/completions", 11};
  req.set(bhttp::field::content_type, "application/json");
  req.set(bhttp::field::accept, stream ? "text/event-stream" : "application/json");
  if (!settings_.api_key.empty()) req.set(bhttp::field::authorization, "Bearer " + settings_.api_key);
  req.body() = json::serialize(openai_body(request, stream));

  StreamState st;
  for (int attempt = 0;; ++attempt) {
    std::string failure;
    try {
      http::ClientConnection conn(ex, tls_, endpoint_, {settings_.connect_timeout_ms, settings_.read_timeout_ms});
      auto exchanging = conn.exchange(req);
      const unsigned status = co_await std::move(exchanging);
      if (status == 429 || status >= 500) {
        auto rest = conn.read_body();
        const std::string body = co_await std::move(rest);
        throw Retryable("HTTP " + std::to_string(status) + ": " + upstream_message(body));
      }
      if (status != 200) {
        auto rest = conn.read_body();
        const std::string body = co_await std::move(rest);
        throw model_error(name_, "HTTP " + std::to_string(status) + ": " + upstream_message(body));
      }
      // Some servers answer a streamed request with one JSON answer: take it as a whole.
      const auto content_type = conn.response()[bhttp::field::content_type];
      const bool events = content_type.substr(0, 17) == "text/event-stream";
      if (!stream || !events) {
        auto rest = conn.read_body();
        const std::string body = co_await std::move(rest);
        json::error_code ec;
        json::value v = json::parse(body, ec);
        const json::value* choices = (!ec && v.is_object()) ? v.as_object().if_contains("choices") : nullptr;
        if (!choices || !choices->is_array() || choices->as_array().empty() || !choices->as_array()[0].is_object())
          throw model_error(name_, "answer without choices");
        const auto& choice = choices->as_array()[0].as_object();
        if (auto* m = choice.if_contains("message"); m && m->is_object()) {
          if (auto* c = m->as_object().if_contains("content"); c && c->is_string()) st.result.content = c->as_string();
          st.result.tool_calls = parse_tool_calls(m->as_object().if_contains("tool_calls"));
        }
        if (auto* fr = choice.if_contains("finish_reason"); fr && fr->is_string()) st.result.finish_reason = fr->as_string();
        if (stream && !st.result.content.empty()) {
          auto sending = sink(st.result.content);
          co_await std::move(sending);
        }
      } else {
        std::string pending;
        bool more = true;
        while (more && !st.done) {
          auto step = conn.read_some(pending);
          more = co_await std::move(step);
          // Events end with a blank line; take each complete one.
          for (;;) {
            auto end = pending.find("\n\n");
            std::size_t sep = 2;
            if (auto crlf = pending.find("\r\n\r\n"); crlf != std::string::npos && crlf < end) {
              end = crlf;
              sep = 4;
            }
            if (end == std::string::npos) break;
            const std::string event = pending.substr(0, end);
            pending.erase(0, end + sep);
            std::size_t line_start = 0;
            while (line_start < event.size()) {
              auto line_end = event.find('\n', line_start);
              if (line_end == std::string::npos) line_end = event.size();
              std::string_view line(event.data() + line_start, line_end - line_start);
              if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
              if (line.substr(0, 5) == "data:") {
                std::string_view payload = line.substr(5);
                while (!payload.empty() && payload.front() == ' ') payload.remove_prefix(1);
                const std::string text = apply_chunk(st, payload, name_);
                // No retry after the first token: the request need not be kept for a long stream.
                if (st.first_token && !req.body().empty()) req = {};
                if (!text.empty()) {
                  auto sending = sink(text);
                  co_await std::move(sending);
                }
              }
              line_start = line_end + 1;
            }
          }
        }
        for (auto& [index, call] : st.calls) st.result.tool_calls.push_back(std::move(call));
      }
      break;
    } catch (const Retryable& e) {
      failure = e.what();
    } catch (const boost::system::system_error& e) {
      if (e.code() == net::error::operation_aborted) throw;  // the client left
      if (st.first_token) throw model_error(name_, "stream broken: " + e.code().message());
      failure = e.code() == boost::beast::error::timeout ? "timed out" : e.code().message();
      if (e.code() == boost::beast::error::timeout && attempt >= settings_.max_retries)
        throw AppError(ErrorKind::bad_gateway, "model_timeout", "Model provider '" + name_ + "' did not answer in time");
    }
    if (attempt >= settings_.max_retries) throw model_error(name_, failure);
    log::warn("model provider " + name_ + " failed (" + failure + "), retrying");
    net::steady_timer backoff(ex, std::chrono::milliseconds(settings_.retry_backoff_ms << attempt));
    auto waiting = backoff.async_wait(net::use_awaitable);
    co_await std::move(waiting);
  }
  if (!st.result.tool_calls.empty()) st.result.finish_reason = "tool_calls";
  st.result.usage.prompt_tokens = prompt_tokens(request);
  st.result.usage.completion_tokens = count_tokens(st.result.content);
  for (const auto& t : st.result.tool_calls) st.result.usage.completion_tokens += count_tokens(t.name) + count_tokens(t.arguments);
  co_return std::move(st.result);
}

}  // namespace agentd::models

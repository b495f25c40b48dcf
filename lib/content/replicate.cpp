#include "content/replicate.hpp"

#include "core/log.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

namespace agentd::content {
namespace net = boost::asio;
namespace json = boost::json;
namespace bhttp = boost::beast::http;
namespace {

bool plain_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return s != "." && s != "..";
}

// Replicate's errors are {"detail": "...", "title": ...}; anything else is cut short.
std::string detail_of(const std::string& body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object())
    for (const char* key : {"detail", "error", "title"})
      if (auto* d = v.as_object().if_contains(key); d && d->is_string() && !d->as_string().empty())
        return std::string(d->as_string());
  return body.substr(0, 200);
}

std::string first_url(const json::value& output) {
  if (output.is_string()) return std::string(output.as_string());
  if (output.is_array())
    for (const auto& v : output.as_array())
      if (auto url = first_url(v); !url.empty()) return url;
  if (output.is_object())
    for (const auto& kv : output.as_object())
      if (auto url = first_url(kv.value()); !url.empty()) return url;
  return {};
}

Prediction prediction_from(const ReplicateClient::Answer& a, const char* what) {
  if (a.status >= 400) throw ReplicateRefused(std::string("Replicate refused to ") + what + " (HTTP " + std::to_string(a.status) +
                                              "): " + detail_of(a.body));
  try {
    return parse_prediction(a.body);
  } catch (const std::exception& e) {
    throw ReplicateUnavailable(std::string("Replicate's answer to ") + what + " is not a prediction: " + e.what());
  }
}

}  // namespace

std::optional<ReplicateModel> parse_replicate_model(std::string_view model) {
  constexpr std::string_view prefix = "replicate/";
  if (model.substr(0, prefix.size()) != prefix) return std::nullopt;
  model.remove_prefix(prefix.size());
  ReplicateModel m;
  if (auto colon = model.find(':'); colon != std::string_view::npos) {
    m.version = std::string(model.substr(colon + 1));
    model = model.substr(0, colon);
    if (!plain_name(m.version)) return std::nullopt;
  }
  const auto slash = model.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  m.owner = std::string(model.substr(0, slash));
  m.name = std::string(model.substr(slash + 1));
  if (!plain_name(m.owner) || !plain_name(m.name)) return std::nullopt;
  return m;
}

Prediction parse_prediction(std::string_view body) {
  json::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) throw std::runtime_error("not a JSON object");
  const auto& o = v.as_object();
  auto text = [&](const char* key) {
    const auto* x = o.if_contains(key);
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  Prediction p{text("id"), text("version"), text("status"), {}, {}};
  if (p.id.empty() || p.status.empty()) throw std::runtime_error("no id or status");
  if (const auto* out = o.if_contains("output")) p.output_url = first_url(*out);
  if (const auto* e = o.if_contains("error"); e && !e->is_null()) p.error = e->is_string() ? std::string(e->as_string()) : json::serialize(*e);
  return p;
}

ReplicateClient::ReplicateClient(const ReplicateSettings& settings)
    : settings_(settings), api_(http::parse_endpoint(settings.base_url)) {
  http::verify_servers(tls_, settings_.ca_file, "content.replicate.ca_file");
}

net::awaitable<ReplicateClient::Answer> ReplicateClient::exchange(const http::Endpoint& endpoint, bhttp::verb verb,
                                                                  std::string target, std::string body, bool wait, bool retry) {
  auto ex = co_await net::this_coro::executor;
  bhttp::request<bhttp::string_body> req{verb, target, 11};
  const bool to_api = endpoint.host == api_.host && endpoint.port == api_.port && endpoint.tls == api_.tls;
  if (to_api) req.set(bhttp::field::authorization, "Bearer " + settings_.api_token);
  if (verb == bhttp::verb::post) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = std::move(body);
  }
  if (wait && settings_.wait_seconds > 0) req.set("Prefer", "wait=" + std::to_string(settings_.wait_seconds));
  for (int attempt = 0;; ++attempt) {
    std::string failure;
    try {
      http::ClientConnection conn(ex, tls_, endpoint, {settings_.connect_timeout_ms, settings_.read_timeout_ms});
      auto exchanging = conn.exchange(req);
      const unsigned status = co_await std::move(exchanging);
      auto reading = conn.read_body();
      Answer a;
      a.status = status;
      a.body = co_await std::move(reading);
      a.location = std::string(conn.response()[bhttp::field::location]);
      if (status != 429 && status < 500) co_return a;
      failure = "HTTP " + std::to_string(status) + ": " + detail_of(a.body);
    } catch (const boost::system::system_error& e) {
      if (e.code() == net::error::operation_aborted) throw;
      if (e.code() == bhttp::error::body_limit) throw ReplicateRefused("the answer is larger than 64 MB");
      failure = e.code() == boost::beast::error::timeout ? "no answer in time" : e.code().message();
    }
    if (!retry || attempt >= settings_.max_retries)
      throw ReplicateUnavailable("Replicate is unavailable (" + failure + ", " + std::to_string(attempt + 1) + " attempts)");
    log::warn("replicate: " + std::string(target) + " failed (" + failure + "), retrying");
    net::steady_timer backoff(ex, std::chrono::milliseconds(settings_.retry_backoff_ms << attempt));
    auto waiting = backoff.async_wait(net::use_awaitable);
    co_await std::move(waiting);
  }
}

net::awaitable<Prediction> ReplicateClient::create(ReplicateModel model, json::object input) {
  json::object body{{"input", input}};
  std::string target = api_.path + "/v1/predictions";
  if (model.version.empty()) target = api_.path + "/v1/models/" + model.owner + "/" + model.name + "/predictions";
  else body["version"] = model.version;
  auto sending = exchange(api_, bhttp::verb::post, target, json::serialize(body), true);
  const Answer answer = co_await std::move(sending);
  co_return prediction_from(answer, "create the prediction");
}

net::awaitable<Prediction> ReplicateClient::get(std::string id, bool retry) {
  auto reading = exchange(api_, bhttp::verb::get, api_.path + "/v1/predictions/" + id, {}, false, retry);
  const Answer answer = co_await std::move(reading);
  co_return prediction_from(answer, "read the prediction");
}

net::awaitable<void> ReplicateClient::cancel(std::string id) {
  try {
    auto sending = exchange(api_, bhttp::verb::post, api_.path + "/v1/predictions/" + id + "/cancel", "{}", false);
    const Answer a = co_await std::move(sending);
    if (a.status >= 400) log::warn("replicate: cancelling " + id + " answered HTTP " + std::to_string(a.status));
  } catch (const std::exception& e) {
    log::warn("replicate: cancelling " + id + " failed: " + e.what());
  }
}

net::awaitable<std::string> ReplicateClient::download(std::string address) {
  std::string url = address;
  for (int hop = 0; hop <= 3; ++hop) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https"))
      throw ReplicateRefused("the output is not an http(s) URL: " + url.substr(0, 200));
    const http::Endpoint endpoint = http::parse_endpoint(url);
    std::string target(parsed->encoded_target());
    if (target.empty()) target = "/";
    auto fetching = exchange(endpoint, bhttp::verb::get, target, {}, false);
    Answer a = co_await std::move(fetching);
    if (a.status >= 300 && a.status < 400 && !a.location.empty()) {
      // A relative Location resolves against the URL it came from.
      if (a.location.front() == '/') url = std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_authority()) + a.location;
      else url = a.location;
      continue;
    }
    if (a.status != 200) throw ReplicateRefused("downloading the output answered HTTP " + std::to_string(a.status));
    co_return std::move(a.body);
  }
  throw ReplicateRefused("downloading the output was redirected more than three times");
}

}  // namespace agentd::content

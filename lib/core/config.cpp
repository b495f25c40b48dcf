#include "core/config.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace agentd {
namespace json = boost::json;
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("config: " + what); }

double get_share(const json::object& o, const char* key, double fallback, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  if (!it->value().is_number() || it->value().to_number<double>() < 0 || it->value().to_number<double>() > 0.5)
    fail(where + "." + key + " must be a number between 0 and 0.5");
  return it->value().to_number<double>();
}

int get_int(const json::object& o, const char* key, int fallback) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  if (!it->value().is_int64() || it->value().as_int64() < 0) fail(std::string(key) + " must be a non-negative integer");
  return static_cast<int>(it->value().as_int64());
}

Micros get_price(const json::object& o, const char* key, Micros fallback) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  if (!it->value().is_string()) fail(std::string("prices.") + key + " must be a decimal string like \"0.002\"");
  auto parsed = parse_credits(it->value().as_string());
  if (!parsed) fail(std::string("prices.") + key + " is not a valid amount");
  return *parsed;
}

void check_keys(const json::object& o, std::initializer_list<const char*> allowed, const std::string& where) {
  for (const auto& kv : o) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || kv.key() == a;
    if (!ok) fail("unknown key '" + std::string(kv.key()) + "' in " + where);
  }
}

}  // namespace

Config load_config(const std::string& file_path) {
  Config c;
  if (file_path.empty()) return c;
  std::ifstream in(file_path);
  if (!in) fail("cannot read " + file_path);
  std::stringstream ss;
  ss << in.rdbuf();
  json::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  if (ec || !v.is_object()) fail(file_path + " is not a JSON object");
  c.file = v.as_object();
  const auto& o = c.file;
  check_keys(o, {"listen", "data_dir", "log_level", "worker_threads", "cpu_threads", "reader_connections", "http", "plans",
                 "prices", "models", "providers", "context", "content", "embeddings"},
             "the top level");
  if (auto* s = o.if_contains("listen")) c.listen = json::value_to<std::string>(*s);
  if (auto* s = o.if_contains("data_dir")) c.data_dir = json::value_to<std::string>(*s);
  if (auto* s = o.if_contains("log_level")) c.log_level = json::value_to<std::string>(*s);
  c.worker_threads = get_int(o, "worker_threads", c.worker_threads);
  c.cpu_threads = get_int(o, "cpu_threads", c.cpu_threads);
  c.reader_connections = get_int(o, "reader_connections", c.reader_connections);
  if (auto* h = o.if_contains("http")) {
    if (!h->is_object()) fail("http must be an object");
    const auto& ho = h->as_object();
    check_keys(ho, {"request_timeout_ms", "idle_timeout_ms", "write_timeout_ms", "shutdown_grace_ms", "sse_heartbeat_ms",
                    "sse_queue_bytes", "max_connections", "max_body_bytes_in_flight"},
               "http");
    c.http.sse_heartbeat_ms = std::max(1, get_int(ho, "sse_heartbeat_ms", c.http.sse_heartbeat_ms));
    c.http.sse_queue_bytes = static_cast<std::size_t>(
        std::max(4096, get_int(ho, "sse_queue_bytes", static_cast<int>(c.http.sse_queue_bytes))));
    c.http.request_timeout_ms = get_int(ho, "request_timeout_ms", c.http.request_timeout_ms);
    c.http.idle_timeout_ms = get_int(ho, "idle_timeout_ms", c.http.idle_timeout_ms);
    c.http.write_timeout_ms = get_int(ho, "write_timeout_ms", c.http.write_timeout_ms);
    c.http.shutdown_grace_ms = get_int(ho, "shutdown_grace_ms", c.http.shutdown_grace_ms);
    c.http.max_connections = std::max(1, get_int(ho, "max_connections", c.http.max_connections));
    if (const auto* v = ho.if_contains("max_body_bytes_in_flight"); v && v->is_int64() && v->as_int64() > 0)
      c.http.max_body_bytes_in_flight = static_cast<std::size_t>(v->as_int64());
  }
  if (auto* p = o.if_contains("plans")) {
    if (!p->is_object()) fail("plans must be an object");
    for (const auto& kv : p->as_object()) {
      auto it = c.plans.find(std::string(kv.key()));
      if (it == c.plans.end()) fail("unknown plan '" + std::string(kv.key()) + "'");
      if (!kv.value().is_object()) fail("plans." + std::string(kv.key()) + " must be an object");
      const auto& po = kv.value().as_object();
      check_keys(po, {"rpm", "rph", "concurrency"}, "plans." + std::string(kv.key()));
      it->second.rpm = get_int(po, "rpm", it->second.rpm);
      it->second.rph = get_int(po, "rph", it->second.rph);
      it->second.concurrency = get_int(po, "concurrency", it->second.concurrency);
    }
  }
  if (auto* p = o.if_contains("prices")) {
    if (!p->is_object()) fail("prices must be an object");
    const auto& po = p->as_object();
    check_keys(po, {"completion_base", "completion_per_1000_tokens", "rag_upload_per_mb", "content"}, "prices");
    c.prices.completion_base = get_price(po, "completion_base", c.prices.completion_base);
    c.prices.completion_per_1000_tokens =
        get_price(po, "completion_per_1000_tokens", c.prices.completion_per_1000_tokens);
    c.prices.rag_upload_per_mb = get_price(po, "rag_upload_per_mb", c.prices.rag_upload_per_mb);
    if (auto* ct = po.if_contains("content")) {
      if (!ct->is_object()) fail("prices.content must be an object");
      for (const auto& kv : ct->as_object()) {
        std::string k(kv.key());
        c.prices.content[k] = get_price(ct->as_object(), k.c_str(), 0);
      }
    }
  }
  if (auto* p = o.if_contains("providers")) {
    if (!p->is_object()) fail("providers must be an object");
    for (const auto& kv : p->as_object()) {
      const std::string name(kv.key());
      const std::string where = "providers." + name;
      if (!kv.value().is_object()) fail(where + " must be an object");
      const auto& po = kv.value().as_object();
      check_keys(po, {"type", "base_url", "api_key", "ca_file", "connect_timeout_ms", "read_timeout_ms", "max_retries",
                      "retry_backoff_ms", "context_window", "context_windows", "summary"},
                 where);
      ProviderSettings ps;
      auto text = [&](const char* key, std::string& out) {
        if (auto* x = po.if_contains(key)) {
          if (!x->is_string()) fail(where + "." + key + " must be a string");
          out = x->as_string();
        }
      };
      text("type", ps.type);
      text("base_url", ps.base_url);
      text("api_key", ps.api_key);
      text("ca_file", ps.ca_file);
      if (ps.type != "openai") fail(where + ".type must be \"openai\" (any OpenAI-compatible server)");
      if (ps.base_url.empty()) fail(where + ".base_url is required");
      ps.connect_timeout_ms = get_int(po, "connect_timeout_ms", ps.connect_timeout_ms);
      ps.read_timeout_ms = get_int(po, "read_timeout_ms", ps.read_timeout_ms);
      ps.max_retries = get_int(po, "max_retries", ps.max_retries);
      ps.retry_backoff_ms = get_int(po, "retry_backoff_ms", ps.retry_backoff_ms);
      ps.context_window = get_int(po, "context_window", 0);
      if (auto* w = po.if_contains("context_windows")) {
        if (!w->is_object()) fail(where + ".context_windows must be an object of model -> tokens");
        for (const auto& m : w->as_object()) {
          if (!m.value().is_int64() || m.value().as_int64() < 256)
            fail(where + ".context_windows." + std::string(m.key()) + " must be at least 256 tokens");
          ps.context_windows[std::string(m.key())] = static_cast<int>(m.value().as_int64());
        }
      }
      text("summary", ps.summary);
      if (ps.summary != "extractive" && ps.summary != "model") fail(where + ".summary must be \"extractive\" or \"model\"");
      c.providers[name] = ps;
    }
  }
  if (auto* x = o.if_contains("context")) {
    if (!x->is_object()) fail("context must be an object");
    const auto& xo = x->as_object();
    check_keys(xo, {"builtin_window", "tool_share", "summary_share", "output_reserve"}, "context");
    c.context.builtin_window = get_int(xo, "builtin_window", c.context.builtin_window);
    c.context.tool_share = get_share(xo, "tool_share", c.context.tool_share, "context");
    c.context.summary_share = get_share(xo, "summary_share", c.context.summary_share, "context");
    c.context.output_reserve = get_int(xo, "output_reserve", c.context.output_reserve);
    if (c.context.builtin_window < 256) fail("context.builtin_window must be at least 256 tokens");
  }
  if (auto* ct = o.if_contains("content")) {
    if (!ct->is_object()) fail("content must be an object");
    check_keys(ct->as_object(), {"replicate"}, "content");
    if (auto* r = ct->as_object().if_contains("replicate")) {
      if (!r->is_object()) fail("content.replicate must be an object");
      const auto& ro = r->as_object();
      check_keys(ro, {"base_url", "api_token", "ca_file", "connect_timeout_ms", "wait_seconds", "read_timeout_ms",
                      "poll_interval_ms", "timeout_seconds", "max_retries", "retry_backoff_ms"},
                 "content.replicate");
      auto& rs = c.content.replicate;
      for (auto [key, out] : {std::pair{"base_url", &rs.base_url}, {"api_token", &rs.api_token}, {"ca_file", &rs.ca_file}})
        if (auto* x = ro.if_contains(key)) {
          if (!x->is_string()) fail(std::string("content.replicate.") + key + " must be a string");
          *out = x->as_string();
        }
      rs.connect_timeout_ms = get_int(ro, "connect_timeout_ms", rs.connect_timeout_ms);
      rs.wait_seconds = std::min(60, get_int(ro, "wait_seconds", rs.wait_seconds));
      rs.read_timeout_ms = get_int(ro, "read_timeout_ms", rs.read_timeout_ms);
      rs.poll_interval_ms = std::max(10, get_int(ro, "poll_interval_ms", rs.poll_interval_ms));
      rs.timeout_seconds = std::max(1, get_int(ro, "timeout_seconds", rs.timeout_seconds));
      rs.max_retries = get_int(ro, "max_retries", rs.max_retries);
      rs.retry_backoff_ms = get_int(ro, "retry_backoff_ms", rs.retry_backoff_ms);
    }
  }
  return c;
}

void apply_environment(Config& c) {
  if (const char* v = std::getenv("AGENTD_LISTEN")) c.listen = v;
  if (const char* v = std::getenv("AGENTD_DATA_DIR")) c.data_dir = v;
  if (const char* v = std::getenv("AGENTD_LOG_LEVEL")) c.log_level = v;
  if (const char* v = std::getenv("AGENTD_WORKER_THREADS")) {
    c.worker_threads = std::atoi(v);
    if (c.worker_threads < 1) fail("AGENTD_WORKER_THREADS must be a positive integer");
  }
  // The common case without a file: one OpenAI-compatible upstream named "openai".
  if (const char* v = std::getenv("AGENTD_OPENAI_BASE_URL")) c.providers["openai"].base_url = v;
  if (const char* v = std::getenv("AGENTD_OPENAI_API_KEY")) {
    auto& p = c.providers["openai"];
    p.api_key = v;
    if (p.base_url.empty()) p.base_url = "https://api.openai.com/v1";
  }
  if (const char* v = std::getenv("AGENTD_REPLICATE_BASE_URL")) c.content.replicate.base_url = v;
  if (const char* v = std::getenv("AGENTD_REPLICATE_API_TOKEN")) c.content.replicate.api_token = v;
}

}  // namespace agentd

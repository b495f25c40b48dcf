// Server configuration: embedded defaults < JSON file (--config or AGENTD_CONFIG) < AGENTD_*
// environment variables < command-line flags. docs/configuration.md lists every key.
#pragma once

#include "core/money.hpp"

#include <boost/json/object.hpp>

#include <map>
#include <string>

namespace agentd {

struct PlanLimits {
  int rpm = 0;
  int rph = 0;
  int concurrency = 0;
  bool external_api = true;
};

struct Prices {
  Micros completion_base = 2'000;           // 0.002 per chat completion / invoke / message
  Micros completion_per_1000_tokens = 500;  // 0.0005 per 1,000 tokens
  Micros rag_upload_per_mb = 1'000;         // 0.001 per started MB
  std::map<std::string, Micros> content = {
      {"image", 50'000}, {"audio", 100'000}, {"glb", 200'000}, {"video", 500'000}, {"other", 50'000}};
};

struct HttpLimits {
  std::size_t header_limit = 16 * 1024;
  std::size_t default_body_limit = 1024 * 1024;
  std::size_t upload_body_limit = 150 * 1024 * 1024;
  int request_timeout_ms = 30'000;  // a whole request (header + body) must arrive within this
  int idle_timeout_ms = 60'000;     // keep-alive connection with no request in flight
  int write_timeout_ms = 30'000;
  int shutdown_grace_ms = 10'000;
  int sse_heartbeat_ms = 15'000;     // ": ping" on a stream with nothing else to say
  std::size_t sse_queue_bytes = 256 * 1024;  // a stream's unsent events; the producer waits beyond
  int max_connections = 20'000;     // beyond it, accepting waits until a connection ends
  // Request bodies held in memory at once (declared sizes; a chunked body counts as its route's
  // limit); beyond it a request is refused with 503 before its body is read.
  std::size_t max_body_bytes_in_flight = 512 * 1024 * 1024;
  // Where bodies of routes that take them to disk (uploads) are spooled; empty: in memory.
  // The App sets DATA_DIR/tmp.
  std::string body_spool_dir;
};

// An OpenAI-compatible upstream, named in agent models as "NAME/MODEL".
struct ProviderSettings {
  std::string type = "openai";
  std::string base_url;  // "https://api.openai.com/v1"
  std::string api_key;
  std::string ca_file;  // PEM CAs to trust for HTTPS instead of the system's (a private CA)
  int connect_timeout_ms = 10'000;
  int read_timeout_ms = 60'000;
  int max_retries = 2;  // on connection errors, 429 and 5xx before the first token
  int retry_backoff_ms = 250;  // doubled on each retry
  // Context windows in tokens: per upstream model name, else `context_window`, else the model
  // family's known window (models/windows.cpp), else 8,192.
  int context_window = 0;
  std::map<std::string, int> context_windows;
  // How older turns are summarized: "extractive" (the builtin's, free) or "model" (the same
  // model is asked, billed like a turn).
  std::string summary = "extractive";
};

// How a model call's context window is shared (docs/architecture.md, "Long conversations").
struct ContextSettings {
  int builtin_window = 4'096;     // the builtin model's context window (docs/architecture.md)
  double tool_share = 0.25;       // of the window: server tools' results (retrieved passages)
  double summary_share = 0.10;    // of the window: the running summary of older turns
  int output_reserve = 1'024;     // the answer's reserve when neither agent nor request sets one
};

// Replicate's predictions API for `replicate/OWNER/MODEL[:VERSION]` content models (API.md 3.5).
struct ReplicateSettings {
  std::string base_url = "https://api.replicate.com";
  std::string api_token;  // empty: replicate/... models answer 400 model_not_configured
  std::string ca_file;    // PEM CAs to trust instead of the system's
  int connect_timeout_ms = 10'000;
  int wait_seconds = 60;         // `Prefer: wait=N` on create (0: no wait, poll at once)
  int read_timeout_ms = 90'000;  // longest silence on one exchange (more than wait_seconds)
  int poll_interval_ms = 1'000;
  int timeout_seconds = 600;     // a prediction not finished by then is canceled and fails
  int max_retries = 3;           // per exchange, on connection errors, 429 and 5xx
  int retry_backoff_ms = 500;    // doubled on each retry
};

struct ContentSettings {
  ReplicateSettings replicate;
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::string log_level = "info";  // debug | info | warn | error; "info" logs one line per request
  // Threads that run SQLite statements. One measured best on 2 cores: two threads of one Asio
  // pool keep waking each other (bench: 33k vs 23k authenticated req/s). CPU-heavy work gets a
  // pool of its own.
  int worker_threads = 1;
  int cpu_threads = 2;  // text extraction and other CPU-heavy work
  int reader_connections = 4;
  double key_cache_refresh_seconds = 0.5;
  HttpLimits http;
  std::map<std::string, PlanLimits> plans = {
      {"free", {20, 200, 2, false}},
      {"basic", {60, 1'000, 5, true}},
      {"pro", {300, 10'000, 20, true}},
      // Enterprise limits are set per key by the operator; these apply to keys without their own.
      {"enterprise", {3'000, 100'000, 100, true}},
  };
  Prices prices;
  std::map<std::string, ProviderSettings> providers;
  ContextSettings context;
  ContentSettings content;
  // The whole file as read, for sections that later services parse themselves.
  boost::json::object file;
};

// Throws std::runtime_error with a readable message on a bad file or value.
Config load_config(const std::string& file_path);
void apply_environment(Config& config);

}  // namespace agentd

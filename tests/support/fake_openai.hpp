// A small HTTP upstream on loopback for tests and benchmarks: an OpenAI-compatible POST
// /v1/chat/completions answered by a script, plain or streamed, slowly, with an error status,
// or never (a hang); or any route of another API (RouteScript, e.g. fake_replicate.hpp). Runs
// its own io thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace agentd::testing {

struct FakeReply {
  int status = 200;
  std::string body;                 // a plain answer (JSON text); empty with events: streamed
  std::vector<std::string> events;  // streamed `data:` payloads; "[DONE]" is added unless hold_open
  int delay_ms = 0;                 // before the header and between events
  bool hang = false;                // read the request, never answer
  bool hold_open = false;           // after the events, keep the stream open until the client leaves
  std::string content_type = "application/json";  // of a plain answer
};

// What a route script sees of a request.
struct FakeRequest {
  std::string method, target, authorization, prefer;
  std::string body;
  boost::json::object json;  // the body when it is a JSON object
};

// {"choices":[{"message":{"role":"assistant","content":...}}]}; tool calls as name -> arguments.
std::string openai_answer(const std::string& content, const std::vector<std::pair<std::string, std::string>>& tool_calls = {});
// Chunk payloads that stream `words` (one per chunk) and end with finish_reason stop.
std::vector<std::string> openai_stream(const std::vector<std::string>& words);

class FakeOpenAI {
 public:
  using Script = std::function<FakeReply(const boost::json::object& request, int call_number)>;
  // Any route: the script sees the method, target and headers (a fake of another API).
  using RouteScript = std::function<FakeReply(const FakeRequest& request, int call_number)>;
  // With a certificate and key (PEM files), it speaks HTTPS.
  explicit FakeOpenAI(Script script, const std::string& tls_cert_file = {}, const std::string& tls_key_file = {});
  explicit FakeOpenAI(RouteScript script);
  // "http://127.0.0.1:PORT"
  std::string origin() const;
  ~FakeOpenAI();
  // "http://127.0.0.1:PORT/v1" (https with TLS)
  std::string base_url() const;
  int calls() const { return calls_; }
  // Streams whose client left before the end (a cancelled upstream request).
  int disconnects() const { return disconnects_; }
  // The requests received, from the `from`th on.
  std::vector<boost::json::object> requests(std::size_t from = 0) const;
  boost::json::object last_request() const;  // empty when none came yet
  std::size_t request_count() const;

 private:
  template <class Stream>
  boost::asio::awaitable<void> serve(Stream& stream);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  void listen();

  RouteScript script_;
  std::atomic<int> calls_{0};
  std::atomic<int> disconnects_{0};
  mutable std::mutex mutex_;
  std::vector<boost::json::object> requests_;
};

}  // namespace agentd::testing

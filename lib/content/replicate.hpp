// Replicate's predictions API (API.md 3.5): create a prediction for a model's version or for a
// model's latest version, with `Prefer: wait`; read it until it is succeeded, failed or
// canceled; cancel it; download its output. Every exchange has deadlines; connection errors,
// timeouts, 429 and 5xx are retried with doubling backoff before they are reported.
#pragma once

#include "core/config.hpp"
#include "http/client.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agentd::content {

struct ReplicateModel {
  std::string owner, name;
  std::string version;  // empty: the model's latest version
};
// "replicate/OWNER/NAME" or "replicate/OWNER/NAME:VERSION"; nullopt when it is not one.
std::optional<ReplicateModel> parse_replicate_model(std::string_view model);

struct Prediction {
  std::string id, version;
  std::string status;      // starting | processing | succeeded | failed | canceled
  std::string output_url;  // the output's URL (a string, or the first of an array)
  std::string error;
};
// Throws std::runtime_error for a body that is not a prediction.
Prediction parse_prediction(std::string_view body);
inline bool finished(const Prediction& p) { return p.status != "starting" && p.status != "processing"; }

// Replicate could not be reached or kept failing (after the client's own retries): another
// attempt later may succeed.
struct ReplicateUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Replicate refused the request (401, 404, 422 ...): trying again would not change it.
struct ReplicateRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ReplicateClient {
 public:
  // Throws std::runtime_error for a bad base_url or an unreadable ca_file.
  explicit ReplicateClient(const ReplicateSettings& settings);
  bool configured() const { return !settings_.api_token.empty(); }
  const ReplicateSettings& settings() const { return settings_; }

  // Arguments are taken by value: the coroutines outlive the caller's temporaries.
  boost::asio::awaitable<Prediction> create(ReplicateModel model, boost::json::object input);
  // retry false: one attempt (a poll loop that tries again itself, within its deadline).
  boost::asio::awaitable<Prediction> get(std::string prediction_id, bool retry = true);
  // Best effort: a failure to cancel is logged, not thrown.
  boost::asio::awaitable<void> cancel(std::string prediction_id);
  // The output file (http or https, any host; the token goes only to Replicate's own host),
  // following up to three redirects.
  boost::asio::awaitable<std::string> download(std::string url);

  struct Answer {
    unsigned status = 0;
    std::string body, location;
  };

 private:
  // One request with the retries; throws ReplicateUnavailable when they are spent.
  boost::asio::awaitable<Answer> exchange(const http::Endpoint& endpoint, boost::beast::http::verb verb,
                                          std::string target, std::string body, bool wait, bool retry = true);

  ReplicateSettings settings_;
  http::Endpoint api_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
};

}  // namespace agentd::content

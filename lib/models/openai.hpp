// The `openai` provider (API.md 7): any OpenAI-compatible /chat/completions upstream over HTTP
// or HTTPS. Streams are passed through as they arrive; connection errors, 429 and 5xx are
// retried with exponential backoff until the first token; tool calls come back to the runtime.
#pragma once

#include "core/config.hpp"
#include "http/client.hpp"
#include "models/types.hpp"

namespace agentd::models {

class OpenAIProvider : public Provider {
 public:
  // Throws std::runtime_error for a bad base_url or an unreadable ca_file.
  OpenAIProvider(std::string name, const ProviderSettings& settings);
  boost::asio::awaitable<Completion> complete(const CompletionRequest& request, const TextSink& sink) override;

 private:
  std::string name_;
  ProviderSettings settings_;
  http::Endpoint endpoint_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
};

// The upstream request body (exposed for tests).
boost::json::object openai_body(const CompletionRequest& request, bool stream);

}  // namespace agentd::models

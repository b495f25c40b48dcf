// What every model provider speaks: OpenAI's chat shape reduced to what the runtime needs.
// Token counts are the server's own estimate (tokens.hpp), the same for billing and `usage`.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace agentd::models {

struct ToolCall {
  std::string id, name, arguments;  // arguments: a JSON text, as OpenAI sends it
  bool operator==(const ToolCall&) const = default;
};

struct ChatMessage {
  std::string role;  // system, user, assistant, tool
  std::string content;
  std::string name;          // optional speaker name
  std::string tool_call_id;  // role tool
  std::vector<ToolCall> tool_calls;  // role assistant

  bool operator==(const ChatMessage&) const = default;
};

struct ToolSpec {
  std::string name, description;
  boost::json::value parameters;  // JSON schema
};

struct Sampling {
  std::optional<double> temperature, top_p, frequency_penalty, presence_penalty;
  std::optional<int> max_tokens;
  std::vector<std::string> stop;
};

struct CompletionRequest {
  std::string model;        // the provider's model name ("builtin" for the builtin model)
  std::string instruction;  // system prompt of the agent
  std::string agent_name;
  std::vector<ChatMessage> messages;
  std::vector<ToolSpec> tools;  // server tools and the client's tools, offered together
  boost::json::value tool_choice;  // null: auto
  Sampling sampling;
};

struct Usage {
  int prompt_tokens = 0, completion_tokens = 0;
  int total() const { return prompt_tokens + completion_tokens; }
  Usage& operator+=(const Usage& o) {
    prompt_tokens += o.prompt_tokens;
    completion_tokens += o.completion_tokens;
    return *this;
  }
};

struct Completion {
  std::string content;
  std::vector<ToolCall> tool_calls;
  std::string finish_reason = "stop";  // stop, length, tool_calls
  Usage usage;
};

// Receives answer text as it is produced (streaming); throws to stop the producer.
using TextSink = std::function<boost::asio::awaitable<void>(std::string_view)>;

class Provider {
 public:
  virtual ~Provider() = default;
  // `sink` empty: not streaming. Throws AppError (bad_gateway, unavailable) on upstream failure.
  virtual boost::asio::awaitable<Completion> complete(const CompletionRequest& request, const TextSink& sink) = 0;
};

}  // namespace agentd::models

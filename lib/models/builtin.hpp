// The builtin model (API.md 7): offline and deterministic. It asks for the server tools it is
// offered (rag_search first, then keyword-detected ones; a client tool when the message names
// it), then answers from the tool results, the agent's instruction and the conversation, with
// [n] markers that match the citations, and says plainly when it knows nothing relevant.
#pragma once

#include "models/types.hpp"

namespace agentd::models {

class BuiltinModel : public Provider {
 public:
  boost::asio::awaitable<Completion> complete(const CompletionRequest& request, const TextSink& sink) override;
};

// The answer without the streaming, for tests and the runtime's non-streamed calls.
Completion builtin_answer(const CompletionRequest& request);

// Sends `text` to the sink word by word (each word with the whitespace before it).
boost::asio::awaitable<void> stream_words(const std::string& text, const TextSink& sink);

}  // namespace agentd::models

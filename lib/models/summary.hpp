// The running summary of a conversation's older turns (docs/architecture.md, "Long
// conversations"): kept with the session, updated with the turns that fall out of the context
// window, and placed before the kept turns as one system message.
#pragma once

#include "models/types.hpp"

#include <string_view>

namespace agentd::models {

inline constexpr std::string_view kSummaryHeader = "Summary of the earlier conversation:";

// The builtin's summary: the previous one with the fallen messages' sentences added, one line
// each ("User: ..." / "Assistant: ..."), then the least informative lines dropped until it fits
// `max_tokens`. A line's information is the rarity of its words among the kept lines (a fact
// stated once outlives a question asked a hundred times); questions and the assistant's lines
// weigh less than what the user stated. Deterministic.
std::string extractive_summary(std::string_view previous, const std::vector<ChatMessage>& fallen, int max_tokens);

// A summary's lines (the header skipped): who said it, when extractive_summary wrote it, and
// what. A model's summary is lines of the assistant's.
struct SummaryLine {
  bool user = false;
  std::string_view text;
};
std::vector<SummaryLine> summary_lines(std::string_view summary);

// The request that asks a model to rewrite `previous` to cover `fallen` within `max_tokens`;
// its input is cut to fit `window`.
CompletionRequest summary_request(std::string model, std::string_view previous, const std::vector<ChatMessage>& fallen,
                                  int max_tokens, int window);

ChatMessage summary_message(std::string_view summary);
bool is_summary_message(const ChatMessage& message);

}  // namespace agentd::models

// The server's own token estimate, used for usage, billing, max_tokens and the context budget
// alike: one token per 4 bytes of ASCII text (rounded up, at least one per word) and one per
// non-ASCII character.
#pragma once

#include "models/types.hpp"

#include <string_view>

namespace agentd::models {

int count_tokens(std::string_view text);
// One message of a prompt: 3 for the role, its content and its tool calls.
int message_tokens(const ChatMessage& message);
// What a request costs before its messages: the instruction and the offered tools.
int fixed_tokens(const std::string& instruction, const std::vector<ToolSpec>& tools);
// A request's prompt: fixed_tokens plus every message.
int prompt_tokens(const CompletionRequest& request);
// The longest prefix of `text` within `tokens`, cut at a word boundary.
std::string_view cut_to_tokens(std::string_view text, int tokens);

}  // namespace agentd::models

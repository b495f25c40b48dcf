// The server's own token estimate, used for usage, billing and max_tokens alike: one token per
// 4 bytes of ASCII text (rounded up, at least one per word) and one per non-ASCII character.
#pragma once

#include "models/types.hpp"

#include <string_view>

namespace agentd::models {

int count_tokens(std::string_view text);
// A request's prompt: instruction, messages (3 per message for the role) and offered tools.
int prompt_tokens(const CompletionRequest& request);

}  // namespace agentd::models

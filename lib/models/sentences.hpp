// Sentences of free text for the builtin model and the extractive summary: a line break, or
// `.`, `!`, `?` before a space or the end, or the ideographic full stop `。` ends one; each is
// trimmed and empty ones are dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agentd::models {

std::vector<std::string> split_sentences(std::string_view text);

}  // namespace agentd::models

// Search terms of free text for the in-memory scorers (orchestrator routing, builtin model):
// lowercase ASCII words of 2+ characters without common English function words, and each
// non-ASCII letter run as overlapping character pairs (CJK has no spaces between words).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agentd {

std::vector<std::string> terms(std::string_view text);

// A common English function word (a, the, how, with, ...), given in lowercase.
bool stopword(std::string_view word);

// Characters (code points) of UTF-8 text.
std::size_t utf8_length(std::string_view text);

}  // namespace agentd

#include "models/tokens.hpp"

namespace agentd::models {

int count_tokens(std::string_view text) {
  int tokens = 0;
  int ascii_run = 0;  // bytes of the current ASCII word
  auto flush = [&] {
    if (ascii_run) tokens += (ascii_run + 3) / 4;
    ascii_run = 0;
  };
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r') flush();
      else ++ascii_run;
      ++i;
    } else {
      flush();
      ++tokens;
      i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    }
  }
  flush();
  return tokens;
}

int prompt_tokens(const CompletionRequest& r) {
  int n = count_tokens(r.instruction);
  for (const auto& m : r.messages) {
    n += 3 + count_tokens(m.content);
    for (const auto& c : m.tool_calls) n += count_tokens(c.name) + count_tokens(c.arguments);
  }
  for (const auto& t : r.tools) n += count_tokens(t.name) + count_tokens(t.description);
  return n;
}

}  // namespace agentd::models

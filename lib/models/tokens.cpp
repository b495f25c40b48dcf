#include "models/tokens.hpp"

#include <array>

namespace agentd::models {

namespace {

// Byte classes: 0 part of an ASCII word, 1 ASCII whitespace, 2 a UTF-8 lead byte (one token),
// 3 a continuation byte.
constexpr std::array<unsigned char, 256> kClass = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0x80; c < 0x100; ++c) t[c] = c < 0xC0 ? 3 : 2;
  for (unsigned char c : {' ', '\n', '\t', '\r'}) t[c] = 1;
  return t;
}();

}  // namespace

int count_tokens(std::string_view text) {
  int tokens = 0;
  int ascii_run = 0;  // bytes of the current ASCII word
  for (const char ch : text) {
    switch (kClass[static_cast<unsigned char>(ch)]) {
      case 0: ++ascii_run; break;
      case 1:
        tokens += (ascii_run + 3) / 4;
        ascii_run = 0;
        break;
      case 2:
        tokens += (ascii_run + 3) / 4 + 1;
        ascii_run = 0;
        break;
      default: break;  // continuation bytes belong to their character
    }
  }
  return tokens + (ascii_run + 3) / 4;
}

int message_tokens(const ChatMessage& m) {
  int n = 3 + count_tokens(m.content);
  for (const auto& c : m.tool_calls) n += count_tokens(c.name) + count_tokens(c.arguments);
  return n;
}

int fixed_tokens(const std::string& instruction, const std::vector<ToolSpec>& tools) {
  int n = count_tokens(instruction);
  for (const auto& t : tools) n += count_tokens(t.name) + count_tokens(t.description);
  return n;
}

int prompt_tokens(const CompletionRequest& r) {
  int n = fixed_tokens(r.instruction, r.tools);
  for (const auto& m : r.messages) n += message_tokens(m);
  return n;
}

std::string_view cut_to_tokens(std::string_view text, int tokens) {
  // The count of count_tokens() at every character boundary: whole words so far plus the
  // current ASCII run's share. Cut at the last whitespace that fits, else mid-word.
  int committed = 0, ascii_run = 0;
  std::size_t last_space = 0, last_fit = 0;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    std::size_t next = i + 1;
    if (c < 0x80 && (c == ' ' || c == '\n' || c == '\t' || c == '\r')) {
      committed += (ascii_run + 3) / 4;
      ascii_run = 0;
      last_space = i;
    } else if (c < 0x80) {
      ++ascii_run;
    } else {
      committed += (ascii_run + 3) / 4 + 1;
      ascii_run = 0;
      next = std::min(text.size(), i + (c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1));
    }
    if (committed + (ascii_run + 3) / 4 > tokens) return text.substr(0, last_space ? last_space : last_fit);
    last_fit = next;
    i = next;
  }
  return text;
}

}  // namespace agentd::models

#include "models/tokens.hpp"

#include <array>

namespace agentd::models {

namespace {

enum ByteClass : unsigned char { word, space, lead, continuation };

// ASCII word bytes, ASCII whitespace, a UTF-8 lead byte (a character: one token), the bytes
// that continue it.
constexpr std::array<ByteClass, 256> kClass = [] {
  std::array<ByteClass, 256> t{};
  for (int c = 0x80; c < 0x100; ++c) t[c] = c < 0xC0 ? continuation : lead;
  for (unsigned char c : {' ', '\n', '\t', '\r'}) t[c] = space;
  return t;
}();

// The count, byte by byte: whole words and characters so far plus the current ASCII run's share.
struct Counter {
  int done = 0;
  int ascii_run = 0;
  void add(ByteClass c) {
    if (c == word) {
      ++ascii_run;
    } else if (c != continuation) {
      done += (ascii_run + 3) / 4 + (c == lead ? 1 : 0);
      ascii_run = 0;
    }
  }
  int total() const { return done + (ascii_run + 3) / 4; }
};

}  // namespace

int count_tokens(std::string_view text) {
  Counter n;
  for (const char ch : text) n.add(kClass[static_cast<unsigned char>(ch)]);
  return n.total();
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
  // Every character boundary is a possible cut; the last whitespace that fits is preferred.
  Counter n;
  std::size_t last_space = 0, last_fit = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const ByteClass c = kClass[static_cast<unsigned char>(text[i])];
    if (c != continuation) {
      if (n.total() > tokens) return text.substr(0, last_space ? last_space : last_fit);
      last_fit = i;
      if (c == space) last_space = i;
    }
    n.add(c);
  }
  return n.total() > tokens ? text.substr(0, last_space ? last_space : last_fit) : text;
}

}  // namespace agentd::models

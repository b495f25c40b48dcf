#include "models/sentences.hpp"

namespace agentd::models {

std::vector<std::string> split_sentences(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    auto b = cur.find_first_not_of(" \t\r\n");
    auto e = cur.find_last_not_of(" \t\r\n");
    if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
    cur.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      flush();
      continue;
    }
    cur.push_back(c);
    const bool ascii_end = (c == '.' || c == '!' || c == '?') && (i + 1 == text.size() || text[i + 1] == ' ');
    // 。 (U+3002) ends a CJK sentence.
    const bool cjk_end = i >= 2 && static_cast<unsigned char>(text[i - 2]) == 0xE3 &&
                         static_cast<unsigned char>(text[i - 1]) == 0x80 && static_cast<unsigned char>(c) == 0x82;
    if (ascii_end || cjk_end) flush();
  }
  flush();
  return out;
}

}  // namespace agentd::models

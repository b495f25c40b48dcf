#include "core/terms.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace agentd {
namespace {

constexpr std::array<std::string_view, 72> kStopwords = {
    "a", "about", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can", "could",
    "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "if", "in", "into", "is",
    "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "please", "she", "so", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "to", "us", "was", "we", "were", "what", "when",
    "where", "which", "who", "why", "will", "with", "would", "you", "your", "tell"};

std::size_t utf8_length(unsigned char c) { return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1; }

// Non-ASCII punctuation that separates words: general punctuation (U+2000..U+206F) and CJK
// symbols and punctuation (U+3000..U+303F), full-width forms' punctuation.
bool separator(std::string_view ch) {
  if (ch.size() != 3) return false;
  const auto b0 = static_cast<unsigned char>(ch[0]), b1 = static_cast<unsigned char>(ch[1]);
  return (b0 == 0xE2 && b1 >= 0x80 && b1 <= 0x81) || (b0 == 0xE3 && b1 == 0x80) ||
         (b0 == 0xEF && b1 == 0xBC && static_cast<unsigned char>(ch[2]) <= 0x8F);
}

}  // namespace

bool stopword(std::string_view w) {
  static const auto sorted = [] {
    auto s = kStopwords;
    std::sort(s.begin(), s.end());
    return s;
  }();
  return std::binary_search(sorted.begin(), sorted.end(), w);
}

std::vector<std::string> terms(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  std::vector<std::string_view> run;  // non-ASCII characters of the current run
  auto flush_word = [&] {
    if (word.size() >= 2 && !stopword(word)) out.push_back(word);
    word.clear();
  };
  auto flush_run = [&] {
    if (run.size() == 1) out.emplace_back(run[0]);
    for (std::size_t i = 0; i + 1 < run.size(); ++i) out.push_back(std::string(run[i]) + std::string(run[i + 1]));
    run.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      flush_run();
      if (std::isalnum(c)) word.push_back(static_cast<char>(std::tolower(c)));
      else flush_word();
      ++i;
      continue;
    }
    flush_word();
    const std::size_t n = std::min(utf8_length(c), text.size() - i);
    const std::string_view ch = text.substr(i, n);
    if (separator(ch)) flush_run();
    else run.push_back(ch);
    i += n;
  }
  flush_word();
  flush_run();
  return out;
}

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace agentd

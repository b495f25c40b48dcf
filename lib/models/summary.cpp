#include "models/summary.hpp"

#include "core/terms.hpp"
#include "models/sentences.hpp"
#include "models/tokens.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace agentd::models {
namespace {

constexpr int kMaxLineTokens = 48;  // a long sentence keeps its beginning

struct Line {
  bool user = false;
  bool question = false;
  std::string text;
  std::set<std::string> words;
  int tokens = 0;
};

Line make_line(bool user, std::string_view text) {
  Line l;
  l.user = user;
  const std::string_view cut = cut_to_tokens(text, kMaxLineTokens);
  l.text = std::string(cut);
  if (cut.size() < text.size()) l.text += " ...";
  l.question = !text.empty() && text.back() == '?';
  const auto t = terms(l.text);
  l.words.insert(t.begin(), t.end());
  l.tokens = count_tokens(l.text) + (user ? 2 : 3);  // with "User:" / "Assistant:"
  return l;
}

// What a line adds to the others: the rarer its words among the kept lines, the more.
double information(const Line& l, const std::map<std::string, int>& frequency) {
  double sum = 0;
  for (const auto& w : l.words) sum += 1.0 / frequency.at(w);
  return sum * (l.user ? 1.0 : 0.5) * (l.question ? 0.5 : 1.0);
}

std::string speaker(const ChatMessage& m) { return m.role == "user" ? "User" : "Assistant"; }

}  // namespace

std::string extractive_summary(std::string_view previous, const std::vector<ChatMessage>& fallen, int max_tokens) {
  std::vector<Line> lines;
  std::set<std::pair<bool, std::set<std::string>>> seen;
  auto add = [&](Line l) {
    if (l.words.empty() || !seen.insert({l.user, l.words}).second) return;
    lines.push_back(std::move(l));
  };
  for (const auto& line : summary_lines(previous)) add(make_line(line.user, line.text));
  for (const auto& m : fallen)
    if (m.role == "user" || m.role == "assistant")
      for (const auto& s : split_sentences(m.content)) add(make_line(m.role == "user", s));

  int total = 0;
  std::map<std::string, int> frequency;
  for (const auto& l : lines) {
    total += l.tokens;
    for (const auto& w : l.words) ++frequency[w];
  }
  while (total > max_tokens && !lines.empty()) {
    // The least informative line goes; the oldest of equals.
    std::size_t worst = 0;
    double worst_value = information(lines[0], frequency);
    for (std::size_t i = 1; i < lines.size(); ++i)
      if (const double v = information(lines[i], frequency); v < worst_value) {
        worst = i;
        worst_value = v;
      }
    total -= lines[worst].tokens;
    for (const auto& w : lines[worst].words) --frequency[w];
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(worst));
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + std::string(l.user ? "User: " : "Assistant: ") + l.text;
  return out;
}

CompletionRequest summary_request(std::string model, std::string_view previous, const std::vector<ChatMessage>& fallen,
                                  int max_tokens, int window) {
  CompletionRequest r;
  r.model = std::move(model);
  r.instruction =
      "You keep the running summary of a conversation between a user and an assistant. Rewrite the summary so that it "
      "also covers the new messages. Keep every fact, name, number, preference, decision and open question the user "
      "stated; drop greetings and small talk. Answer with the summary only, in at most " +
      std::to_string(max_tokens * 3 / 4) + " words.";
  std::string text = "Summary so far:\n" + (previous.empty() ? std::string("(none)") : std::string(previous)) + "\n\nNew messages:\n";
  for (const auto& m : fallen)
    if (m.role == "user" || m.role == "assistant")
      text += speaker(m) + ": " + std::string(cut_to_tokens(m.content, 2 * max_tokens)) + "\n";
  const int room = window - max_tokens - fixed_tokens(r.instruction, {}) - 3;
  r.messages.push_back({"user", std::string(cut_to_tokens(text, std::max(0, room))), {}, {}, {}});
  r.sampling.max_tokens = max_tokens;
  r.sampling.temperature = 0.0;
  return r;
}

std::vector<SummaryLine> summary_lines(std::string_view summary) {
  std::vector<SummaryLine> out;
  for (std::size_t start = 0; start < summary.size();) {
    const std::size_t end = std::min(summary.find('\n', start), summary.size());
    std::string_view line = summary.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line == kSummaryHeader) continue;
    const bool user = line.substr(0, 6) == "User: ";
    if (user) line.remove_prefix(6);
    else if (line.substr(0, 11) == "Assistant: ") line.remove_prefix(11);
    out.push_back({user, line});
  }
  return out;
}

ChatMessage summary_message(std::string_view summary) {
  return {"system", std::string(kSummaryHeader) + "\n" + std::string(summary), {}, {}, {}};
}

bool is_summary_message(const ChatMessage& m) {
  return m.role == "system" && std::string_view(m.content).substr(0, kSummaryHeader.size()) == kSummaryHeader;
}

}  // namespace agentd::models

#include "agents/runtime.hpp"
#include "core/terms.hpp"

#include <cmath>
#include <map>

namespace agentd::agents {

std::optional<Agent> route(const std::vector<Agent>& active, const std::string& question) {
  if (active.empty()) return std::nullopt;
  const std::size_t n = active.size();
  std::vector<std::map<std::string, int>> docs(n);
  std::vector<std::size_t> lengths(n);
  std::map<std::string, int> doc_freq;
  double avg_len = 0;
  for (std::size_t i = 0; i < n; ++i) {
    // The name counts twice: it is the shortest and most deliberate description of an agent.
    const auto& a = active[i];
    const auto words = terms(a.name + " " + a.name + " " + a.description + " " + a.instruction);
    for (const auto& w : words) ++docs[i][w];
    for (const auto& kv : docs[i]) ++doc_freq[kv.first];
    lengths[i] = words.size();
    avg_len += static_cast<double>(words.size()) / static_cast<double>(n);
  }
  constexpr double k1 = 1.2, b = 0.75;
  const auto query = terms(question);
  double best = 0;
  std::size_t best_i = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double score = 0;
    for (const auto& q : query) {
      auto it = docs[i].find(q);
      if (it == docs[i].end()) continue;
      const double df = doc_freq[q];
      const double idf = std::log(1 + (static_cast<double>(n) - df + 0.5) / (df + 0.5));
      const double tf = it->second;
      score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * static_cast<double>(lengths[i]) / std::max(avg_len, 1.0)));
    }
    if (score > best) {
      best = score;
      best_i = i;
    }
  }
  if (best > 0) return active[best_i];
  // The default agent: the oldest active one (list order is creation order).
  return active.front();
}

}  // namespace agentd::agents

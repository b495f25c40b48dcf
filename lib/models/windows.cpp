#include "models/windows.hpp"

#include <array>
#include <utility>

namespace agentd::models {

int known_context_window(std::string_view model) {
  // The longest matching prefix wins ("gpt-4o" before "gpt-4"); names as upstreams spell them,
  // with an optional vendor path ("meta-llama/Llama-3.1-8B") reduced to its last part.
  if (auto slash = model.rfind('/'); slash != std::string_view::npos) model.remove_prefix(slash + 1);
  static constexpr std::array<std::pair<std::string_view, int>, 24> kFamilies{{
      {"gpt-4.1", 1'047'576}, {"gpt-4o", 128'000},      {"gpt-4-turbo", 128'000}, {"gpt-4-32k", 32'768},
      {"gpt-4", 8'192},       {"gpt-3.5-turbo", 16'385}, {"gpt-5", 400'000},       {"o1", 200'000},
      {"o3", 200'000},        {"o4", 200'000},           {"claude", 200'000},      {"llama3.1", 131'072},
      {"llama-3.1", 131'072}, {"Llama-3.1", 131'072},    {"llama3", 8'192},        {"llama-3", 8'192},
      {"Meta-Llama-3", 8'192}, {"mistral", 32'768},      {"mixtral", 32'768},      {"qwen2.5", 32'768},
      {"Qwen2.5", 32'768},    {"gemma2", 8'192},         {"gemma3", 131'072},      {"phi3", 4'096},
  }};
  std::size_t best_length = 0;
  int best = 8'192;
  for (const auto& [prefix, window] : kFamilies)
    if (model.substr(0, prefix.size()) == prefix && prefix.size() > best_length) {
      best_length = prefix.size();
      best = window;
    }
  return best;
}

}  // namespace agentd::models

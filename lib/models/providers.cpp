#include "models/providers.hpp"

#include "models/builtin.hpp"
#include "models/openai.hpp"
#include "models/windows.hpp"

namespace agentd::models {

Providers::Providers(const Config& config)
    : builtin_(std::make_unique<BuiltinModel>()), builtin_window_(config.context.builtin_window) {
  for (const auto& [name, settings] : config.providers)
    named_.emplace(name, Named{std::make_unique<OpenAIProvider>(name, settings), settings});
}

Providers::~Providers() = default;

std::optional<Providers::Resolved> Providers::find(const std::string& model) const {
  const Resolved builtin{builtin_.get(), "builtin", builtin_window_, false};
  if (model.empty() || model == "builtin") return builtin;
  const auto slash = model.find('/');
  const std::string_view name = std::string_view(model).substr(0, slash);
  if (name == "builtin") return builtin;
  auto it = named_.find(name);
  if (it == named_.end() || slash == std::string::npos) return std::nullopt;
  const ProviderSettings& settings = it->second.settings;
  std::string upstream = model.substr(slash + 1);
  const auto sized = settings.context_windows.find(upstream);
  const int window = sized != settings.context_windows.end() ? sized->second
                     : settings.context_window        ? settings.context_window
                                                      : known_context_window(upstream);
  return Resolved{it->second.provider.get(), std::move(upstream), window, settings.summary == "model"};
}

}  // namespace agentd::models

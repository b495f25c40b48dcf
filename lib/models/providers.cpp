#include "models/providers.hpp"

#include "core/errors.hpp"
#include "models/builtin.hpp"
#include "models/openai.hpp"

namespace agentd::models {

Providers::Providers(const Config& config)
    : builtin_(std::make_unique<BuiltinModel>()) {
  for (const auto& [name, settings] : config.providers)
    named_.emplace(name, std::make_unique<OpenAIProvider>(name, settings));
}

Providers::~Providers() = default;

Providers::Resolved Providers::resolve(const std::string& model) const {
  if (model.empty() || model == "builtin") return {builtin_.get(), "builtin"};
  const auto slash = model.find('/');
  const std::string_view name = std::string_view(model).substr(0, slash);
  if (name == "builtin") return {builtin_.get(), "builtin"};
  auto it = named_.find(name);
  if (it == named_.end() || slash == std::string::npos)
    throw AppError(ErrorKind::unavailable, "model_unavailable",
                   "Model '" + model + "' is not available: no provider '" + std::string(name) + "' is configured");
  return {it->second.get(), model.substr(slash + 1)};
}

}  // namespace agentd::models

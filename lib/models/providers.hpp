// Model providers by name: "builtin", or "NAME/MODEL" where NAME is a provider of the config
// file's `providers` section (docs/configuration.md).
#pragma once

#include "core/config.hpp"
#include "models/types.hpp"

#include <map>
#include <memory>
#include <optional>

namespace agentd::models {

class Providers {
 public:
  explicit Providers(const Config& config);
  ~Providers();

  struct Resolved {
    Provider* provider = nullptr;
    std::string model;       // the upstream's model name
    int context_window = 0;  // tokens
    bool model_summary = false;  // older turns are summarized by this model, not extractively
  };
  // nullopt when the model names a provider that is not configured.
  std::optional<Resolved> find(const std::string& model) const;

 private:
  std::unique_ptr<Provider> builtin_;
  struct Named {
    std::unique_ptr<Provider> provider;
    ProviderSettings settings;
  };
  std::map<std::string, Named, std::less<>> named_;
  int builtin_window_;
};

}  // namespace agentd::models

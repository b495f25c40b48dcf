// Model providers by name: "builtin", or "NAME/MODEL" where NAME is a provider of the config
// file's `providers` section (docs/configuration.md).
#pragma once

#include "core/config.hpp"
#include "models/types.hpp"

#include <map>
#include <memory>

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
  // Throws AppError unavailable `model_unavailable` for an unknown provider.
  Resolved resolve(const std::string& model) const;
  // A provider of this name is configured ("builtin" always is).
  bool has(std::string_view name) const { return name == "builtin" || named_.find(name) != named_.end(); }

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

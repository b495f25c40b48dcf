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
    std::string model;  // the upstream's model name
  };
  // Throws AppError unavailable `model_unavailable` for an unknown provider.
  Resolved resolve(const std::string& model) const;
  // A provider of this name is configured ("builtin" always is).
  bool has(std::string_view name) const { return name == "builtin" || named_.find(name) != named_.end(); }

 private:
  std::unique_ptr<Provider> builtin_;
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> named_;
};

}  // namespace agentd::models

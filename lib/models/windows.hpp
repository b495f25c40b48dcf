// Context windows of well-known model families, for upstream models the config file does not
// size (providers.NAME.context_windows / context_window override them).
#pragma once

#include <string_view>

namespace agentd::models {

// Tokens of the model's context window; 8,192 for a model this table does not know.
int known_context_window(std::string_view model);

}  // namespace agentd::models

// The Workspace API at /api/v1 (API.md 5, seed 002): Laravel's conventions.
#pragma once

#include "api/common/dialect.hpp"
#include "api/common/services.hpp"

namespace agentd::api::workspace {

Dialect descriptor();
void install(Dispatcher& dispatcher, const Services& services);

}  // namespace agentd::api::workspace

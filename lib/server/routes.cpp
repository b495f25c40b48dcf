// Every dialect agentd speaks: one line each. The first is the fallback whose shape answers
// paths no dialect claims. Adding a dialect: docs/architecture.md, "Adding a dialect".
#include "api/agents_v1/dialect.hpp"
#include "api/common/reference_routes.hpp"
#include "api/external/dialect.hpp"
#include "api/workspace/dialect.hpp"
#include "server/app.hpp"

namespace agentd {

void register_dialects(api::Dispatcher& dispatcher, const api::Services& services) {
  api::external::install(dispatcher, services);
  api::workspace::install(dispatcher, services);
  api::agents_v1::install(dispatcher, services);
  // Last: the reference documents every route registered before it.
  api::add_reference_routes(dispatcher, dispatcher.dialects().owner("/"));
}

}  // namespace agentd

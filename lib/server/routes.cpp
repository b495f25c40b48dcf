#include "api/routes.hpp"
#include "server/app.hpp"

namespace agentd {

void register_routes(App& app) {
  api::register_server_routes(app);
  api::register_external_routes(app);
  api::register_rag_routes(app);
  api::register_external_agent_routes(app);
  api::register_chat_routes(app);
  api::register_session_routes(app);
}

}  // namespace agentd

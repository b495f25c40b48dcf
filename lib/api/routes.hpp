// Each dialect adapter registers its routes here.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace agentd { struct App; }

namespace agentd::api {

namespace net = boost::asio;

void register_server_routes(App& app);
void register_external_routes(App& app);
void register_rag_routes(App& app);
void register_external_agent_routes(App& app);
void register_chat_routes(App& app);
void register_session_routes(App& app);

}  // namespace agentd::api

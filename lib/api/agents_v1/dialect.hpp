// The Agents API at /v1 (API.md 6, seed 004): {"success":...} envelopes, UPPER_CASE codes,
// page/limit paging.
#pragma once

#include "api/common/dialect.hpp"
#include "api/common/services.hpp"

namespace agentd::api::agents_v1 {

Dialect descriptor();
void install(Dispatcher& dispatcher, const Services& services);

void add_agent_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_message_routes(Dispatcher& d, const Dialect& dialect, const Services& s);

// {"success":true,"data":data}
boost::json::object success(boost::json::value data);

}  // namespace agentd::api::agents_v1

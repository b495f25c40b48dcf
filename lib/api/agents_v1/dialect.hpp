// The Agents API at /v1 (API.md 6, seed 004): {"success":...} envelopes, UPPER_CASE codes,
// page/limit paging.
#pragma once

#include "api/common/dialect.hpp"
#include "api/common/schema.hpp"
#include "api/common/services.hpp"

namespace agentd::api::agents_v1 {

Dialect descriptor();
void install(Dispatcher& dispatcher, const Services& services);

void add_agent_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_message_routes(Dispatcher& d, const Dialect& dialect, const Services& s);

// {"success":true,"data":data}
boost::json::object success(boost::json::value data);
// Their schemas: {"success":true,"data":DATA}, and a page as shape_page writes it.
schema::Schema success_schema(schema::Schema data);
schema::Schema page_schema(std::string_view items_key, schema::Schema item);

}  // namespace agentd::api::agents_v1

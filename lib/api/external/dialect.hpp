// The External API (API.md 3, seeds 000, 001, 003) and the OpenAI-compatible root (API.md 4).
#pragma once

#include "api/common/dialect.hpp"
#include "api/common/schema.hpp"
#include "api/common/services.hpp"

namespace agentd::api::external {

Dialect descriptor();
// Registers the dialect and every route of it (the server's own /health and /metrics too:
// paths no dialect claims are answered in this dialect's shape).
void install(Dispatcher& dispatcher, const Services& services);

// Route groups, one file each.
void add_credit_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_rag_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_agent_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_chat_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_session_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_server_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_content_routes(Dispatcher& d, const Dialect& dialect, const Services& s);

// The schema of a page as shape_page writes it: {KEY: [item...], total, page, page_size, has_next}.
schema::Schema page_schema(std::string_view items_key, schema::Schema item);

// The {"message","type","code",...} object, also sent as a stream's error event.
boost::json::object error_object(const AppError& error);

}  // namespace agentd::api::external

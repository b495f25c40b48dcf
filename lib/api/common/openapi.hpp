// The OpenAPI 3.1 document of the route table (GET /openapi.json), built from what each route
// declares: its method and pattern (path parameters), dialect (tag, security, paging, its
// error table), scope (`x-required-scope`), billing (402) and its RouteDoc (summary, query
// parameters, request and response schemas, streaming). Error bodies are the dialect's own
// rendering of the access gate's real refusals, so the examples are what the server sends.
// A route cannot exist undocumented: every route of the table is in the document.
#pragma once

#include "api/common/dispatcher.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace agentd::api {

boost::json::object openapi_document(const Dispatcher& dispatcher, const std::string& version);

}  // namespace agentd::api

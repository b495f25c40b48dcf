// The API reference: GET /openapi.json (the route table's OpenAPI 3.1 document, built once at
// the first request) and GET /docs (Swagger UI, its files embedded in the binary). Registered
// after every dialect, so the document holds every route, these included.
#pragma once

#include "api/common/dispatcher.hpp"

namespace agentd::api {

void add_reference_routes(Dispatcher& dispatcher, const Dialect& dialect);

}  // namespace agentd::api

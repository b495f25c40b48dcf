// The one table that turns a domain error into each dialect's status, headers and body
// (API.md 1.5). The External API's bodies are exact, byte for byte.
#pragma once

#include "core/errors.hpp"
#include "http/types.hpp"

namespace agentd::api {

http::Response render_error(http::Dialect dialect, const AppError& error);

// The External API's {"message","type","code",...} object, also sent as a stream's error event.
boost::json::object external_error_object(const AppError& error);

}  // namespace agentd::api

// Query-parameter parsing shared by the dialect adapters; bad values are 400 naming the field.
#pragma once

#include "http/types.hpp"

namespace agentd::api {

// An integer in [min, max], `fallback` when absent. Throws AppError bad_request otherwise.
int int_param(const http::RequestContext& ctx, std::string_view name, int fallback, int min, int max);

}  // namespace agentd::api

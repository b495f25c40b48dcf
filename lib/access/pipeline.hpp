// The access pipeline, in this order for every route that needs a key:
// authenticate -> scope -> plan -> rate limit -> credits reservation -> idempotency -> handler
// -> settle credits, release the concurrency slot. Every authenticated response carries the
// nine X-RateLimit-* headers.
#pragma once

#include "http/types.hpp"

namespace agentd { struct App; }

namespace agentd::access {

boost::asio::awaitable<http::Response> run_pipeline(App& app, http::RequestContext& ctx);

// For handlers whose scope depends on the request (a streamed completion, a named agent):
// throws the dialect's insufficient_scope error.
void require_scope(const http::RequestContext& ctx, const std::string& scope);

}  // namespace agentd::access

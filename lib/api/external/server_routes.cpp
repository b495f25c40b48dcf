// The server's own routes: GET /health (no auth, no database) and GET /metrics (API.md 2).
#include "api/common/dispatcher.hpp"
#include "api/external/dialect.hpp"

namespace agentd::api::external {

void add_server_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  d.add({.method = bhttp::verb::get, .pattern = "/health", .dialect = &dialect, .handler = health, .doc = health_doc()});
  d.add({.method = bhttp::verb::get, .pattern = "/metrics", .dialect = &dialect,
         .handler = [&metrics = s.metrics](RequestContext&) -> net::awaitable<http::Response> {
           co_return http::make_response(200, metrics.render(), "text/plain; version=0.0.4");
         },
         .doc = {.summary = "Prometheus metrics", .response = schema::str(), .response_type = "text/plain"}});
}

}  // namespace agentd::api::external

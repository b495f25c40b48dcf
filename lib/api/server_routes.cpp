// Routes of the server itself: GET /health (no auth, no database) and GET /metrics.
#include "api/routes.hpp"

#include "server/app.hpp"

namespace agentd::api {

void register_server_routes(App& app) {
  app.router.add({http::bhttp::verb::get, "/health", http::Dialect::server, "", 0, nullptr,
                  [](http::RequestContext&) -> net::awaitable<http::Response> {
                    static const std::string body = R"({"status":"ok","version":")" AGENTD_VERSION R"("})";
                    co_return http::make_response(200, body);
                  }});
  app.router.add({http::bhttp::verb::get, "/metrics", http::Dialect::server, "", 0, nullptr,
                  [&app](http::RequestContext&) -> net::awaitable<http::Response> {
                    co_return http::make_response(200, app.metrics.render(), "text/plain; version=0.0.4");
                  }});
}

}  // namespace agentd::api

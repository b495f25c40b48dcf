#include "api/common/reference_routes.hpp"

#include "api/common/docs_assets.hpp"
#include "api/common/openapi.hpp"
#include "api/common/schema.hpp"

#include "core/json_text.hpp"

namespace agentd::api {
namespace {

constexpr std::string_view kDocsPage = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agentd API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<style>body { margin: 0; } .swagger-ui .info { margin: 24px 0; }</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  tryItOutEnabled: true,
  displayRequestDuration: true,
  filter: true,
  docExpansion: "none",
  validatorUrl: null
});
</script>
</body>
</html>
)";

http::Response asset(std::string_view bytes, const char* type) {
  auto res = http::make_response(200, std::string(bytes), type);
  // The version is in the binary: a new binary may bring new files under the same name.
  res.set(bhttp::field::cache_control, "public, max-age=3600");
  return res;
}

}  // namespace

void add_reference_routes(Dispatcher& d, const Dialect& dialect) {
  d.add({.method = bhttp::verb::get, .pattern = "/openapi.json", .dialect = &dialect,
         .handler = [&d](RequestContext&) -> net::awaitable<http::Response> {
           // Built on the io thread at the first request, when every route is registered.
           static const std::string document = json_text(openapi_document(d, AGENTD_VERSION));
           co_return http::make_response(200, document, "application/json");
         },
         .doc = {.summary = "This document: every route of every dialect (OpenAPI 3.1)",
                 .response = schema::obj({{"openapi", schema::str()}, {"info", schema::any_object()}, {"paths", schema::any_object()}},
                                         {"openapi", "info", "paths"})}});
  d.add({.method = bhttp::verb::get, .pattern = "/docs", .dialect = &dialect,
         .handler = [](RequestContext&) -> net::awaitable<http::Response> {
           co_return http::make_response(200, std::string(kDocsPage), "text/html; charset=utf-8");
         },
         .doc = {.summary = "The interactive API reference (Swagger UI)", .response = schema::str(), .response_type = "text/html"}});
  d.add({.method = bhttp::verb::get, .pattern = "/docs/swagger-ui-bundle.js", .dialect = &dialect,
         .handler = [](RequestContext&) -> net::awaitable<http::Response> {
           co_return asset(swagger_ui_bundle(), "text/javascript; charset=utf-8");
         },
         .doc = {.summary = "Swagger UI's script (embedded)", .response = schema::str(), .response_type = "text/javascript"}});
  d.add({.method = bhttp::verb::get, .pattern = "/docs/swagger-ui.css", .dialect = &dialect,
         .handler = [](RequestContext&) -> net::awaitable<http::Response> { co_return asset(swagger_ui_css(), "text/css; charset=utf-8"); },
         .doc = {.summary = "Swagger UI's style sheet (embedded)", .response = schema::str(), .response_type = "text/css"}});
}

}  // namespace agentd::api

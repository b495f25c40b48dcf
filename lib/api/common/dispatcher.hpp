// The route table of every dialect and the server's Dispatcher: routes a request, runs it
// through the access gate and its handler, and renders domain errors with the route's dialect.
#pragma once

#include "api/common/dialect.hpp"
#include "api/common/services.hpp"
#include "http/router.hpp"

#include <memory>

namespace agentd::api {

class Dispatcher final : public http::Dispatcher {
 public:
  Dispatcher(access::Gate& gate, std::size_t default_body_limit) : gate_(gate), default_body_limit_(default_body_limit) {}

  // Registers a dialect; the returned descriptor lives as long as the dispatcher.
  const Dialect& add_dialect(Dialect dialect) { return dialects_.add(std::move(dialect)); }
  void add(Route route);
  const std::vector<std::unique_ptr<Route>>& routes() const { return router_.routes(); }
  const DialectTable& dialects() const { return dialects_; }

  http::BodyPlan route(http::Exchange& ex) override;
  net::awaitable<std::optional<http::Response>> admit(http::Exchange& ex) override;
  net::awaitable<http::Response> dispatch(http::Exchange& ex) override;
  http::Response refuse(std::string_view path, http::Refusal why, std::string message) override;

 private:
  struct Admitted;
  http::Response unmatched(const http::Exchange& ex) const;

  access::Gate& gate_;
  std::size_t default_body_limit_;
  DialectTable dialects_;
  http::Router<Route> router_;
};

// GET /health and its aliases: {"status":"ok","version"}, no authentication, no database.
net::awaitable<http::Response> health(RequestContext&);
RouteDoc health_doc();

// Registers a dialect's plain routes: handlers that take the services and the request.
struct RouteGroup {
  using Fn = net::awaitable<http::Response> (*)(const Services&, RequestContext&);
  Dispatcher& dispatcher;
  const Dialect& dialect;
  const Services& services;
  void add(bhttp::verb method, const char* pattern, const char* scope, Fn fn, RouteDoc doc = {}) const {
    dispatcher.add({.method = method, .pattern = pattern, .dialect = &dialect, .scope = scope,
                    .handler = [&s = services, fn](RequestContext& ctx) { return fn(s, ctx); }, .doc = std::move(doc)});
  }
};

}  // namespace agentd::api

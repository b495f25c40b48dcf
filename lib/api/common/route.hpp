// What a dialect adapter declares and receives: its routes and the request context its
// handlers see (the access gate's Call plus the route and its path parameters).
#pragma once

#include "access/gate.hpp"
#include "core/errors.hpp"
#include "http/types.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <vector>
#include <string>

namespace agentd::api {

namespace net = boost::asio;
namespace bhttp = http::bhttp;
struct Dialect;
struct Route;

struct RequestContext : access::Call {
  RequestContext(access::Call call, const Route& route, http::PathParams params, http::EventStream* stream)
      : access::Call(std::move(call)), route(route), params(std::move(params)), stream(stream) {}
  const Route& route;
  http::PathParams params;
  http::EventStream* stream;

  const std::string& param(std::string_view name) const;
  const Dialect& dialect() const;
  // Commits a streamed answer: `head` goes out with the rate-limit headers; from here on the
  // handler answers through `stream` and the Response it returns is not sent.
  net::awaitable<void> open_stream(http::Response& head);
};

using Handler = std::function<net::awaitable<http::Response>(RequestContext&)>;

// What /openapi.json says of a route beyond what the route itself declares (method, pattern,
// path parameters, dialect, scope, billing): api/common/openapi.hpp.
struct QueryParam {
  std::string name;
  boost::json::object schema;  // api/common/schema.hpp
  std::string description{};
  bool required = false;
};
struct RouteDoc {
  std::string summary{};
  std::vector<QueryParam> query{};
  boost::json::object body{};              // the request body's schema; empty: none
  std::string body_type = "application/json";
  boost::json::object multipart{};         // set: the body may also come as multipart/form-data
  bool body_optional = false;              // the body may be left out
  boost::json::object response{};          // the success body's schema; empty: any JSON
  unsigned status = 200;                   // the success status (202, 201, 204)
  std::vector<unsigned> also{};            // other success statuses (201 of find-or-create, 206, 304)
  std::string response_type = "application/json";
  bool streams = false;                    // may answer text/event-stream (SSE)
  bool paged = false;                      // reads the dialect's paging parameters
  // Refusals of its own beyond those its declaration implies (authentication, scope and rate
  // limit; 404 with path parameters; 400/422 with input; 402 when billed).
  std::vector<ErrorKind> errors{};
};

struct Route {
  bhttp::verb method = bhttp::verb::get;
  std::string pattern{};            // "/api/external/rag/uploads/{upload_id}"
  const Dialect* dialect = nullptr;  // its error shape, authentication and paging
  std::string scope{};              // empty: no authentication
  std::size_t body_limit = 0;       // 0: the server's default (1 MiB)
  bool body_to_file = false;        // spooled to disk (RequestContext::body_file), not memory
  access::Estimator estimate{};     // set: billable, reserved before the handler runs
  Handler handler{};
  RouteDoc doc{};
};

}  // namespace agentd::api

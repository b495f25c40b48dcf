// Request/response types and the route declaration shared by the server, the access pipeline
// and the dialect adapters.
#pragma once

#include "access/keys.hpp"
#include "access/rate_limiter.hpp"
#include "core/money.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/value.hpp>
#include <boost/url/url_view.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace agentd::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// Which public API a route belongs to: decides the error shape and authentication headers.
enum class Dialect { external, workspace, agents, server };

struct RequestContext;
using Handler = std::function<net::awaitable<Response>(RequestContext&)>;
// Reserve-before-work estimate of a billable request, in micro-credits.
using Estimator = std::function<Micros(const RequestContext&)>;

struct Route {
  bhttp::verb method = bhttp::verb::get;
  std::string pattern;      // "/api/external/rag/uploads/{upload_id}"
  Dialect dialect = Dialect::external;
  std::string scope;        // empty: no authentication
  std::size_t body_limit = 0;  // 0: the server's default (1 MiB)
  Estimator estimate;       // set: billable
  Handler handler;
};

// Who is calling, once authenticated: the key and the organization this request acts in.
struct Principal {
  std::shared_ptr<const access::KeyRecord> key;
  access::Membership org;
  access::Limits limits;
};

// The live side of a streamed response (Server-Sent Events), given to handlers by the server.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Commits the response: sends `head` (status, headers) with chunked transfer coding, the
  // rate-limit headers and X-Request-Id. Pings start with it.
  virtual net::awaitable<void> open(Response& head) = 0;
  // Queues one event's text ("data: ...\n\n"); waits while the stream's queue is full.
  // False once the client is gone.
  virtual net::awaitable<bool> send(std::string event) = 0;
  virtual bool client_gone() const = 0;
  // Emits terminal cancellation when the client hangs up (bind the producer's work to it).
  virtual net::cancellation_slot hangup_slot() = 0;
};

struct RequestContext {
  Request& request;
  const Route& route;
  std::string request_id;
  std::vector<std::pair<std::string, std::string>> path_params;  // decoded
  boost::urls::url_view url;
  std::optional<Principal> principal;
  // Billable routes: the real cost once known (settled instead of the estimate).
  std::optional<Micros> cost;
  // The key's buckets once it is known: every response of the request carries them as the
  // X-RateLimit-* headers (a streamed one in its head).
  std::optional<access::LimitSnapshot> limit_snapshot;
  // Set by the server; a handler that calls stream->open() answers through it, and the
  // Response it returns is not sent.
  EventStream* stream = nullptr;
  bool streamed = false;

  const std::string& param(std::string_view name) const;
  std::optional<std::string> query(std::string_view name) const;
};

Response make_response(unsigned status, std::string body, std::string_view content_type = "application/json");
Response json_response(unsigned status, const boost::json::value& body);
// The nine X-RateLimit-* headers (API.md 1.2).
void set_rate_limit_headers(Response& res, const access::LimitSnapshot& s);

}  // namespace agentd::http

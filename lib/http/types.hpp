// Transport types: requests and responses, the live side of a streamed response, and the
// dispatcher through which the server hands a request to whatever serves it. Nothing here knows
// routes' meaning, keys or dialects.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentd::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
using PathParams = std::vector<std::pair<std::string, std::string>>;  // percent-decoded

// The live side of a streamed response (Server-Sent Events), given to handlers by the server.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Commits the response: sends `head` (status, headers) with chunked transfer coding and
  // X-Request-Id. Pings start with it.
  virtual net::awaitable<void> open(Response& head) = 0;
  // Queues one event's text ("data: ...\n\n"); waits while the stream's queue is full.
  // False once the client is gone.
  virtual net::awaitable<bool> send(std::string event) = 0;
  virtual bool client_gone() const = 0;
  // Emits terminal cancellation when the client hangs up (bind the producer's work to it).
  virtual net::cancellation_slot hangup_slot() = 0;
  virtual bool opened() const = 0;
};

// One request as the server hands it to the dispatcher: first with its header only (route()),
// then with its body (dispatch()).
struct Exchange {
  Request* request;  // the parser's message; a copy of its header when the body goes to a file
  std::string_view path{};  // the target without its query
  std::string request_id{};
  EventStream* stream = nullptr;  // set before dispatch()
  // The dispatcher's own record of the route found by route(); opaque to the transport.
  const void* route = nullptr;
  PathParams params{};
  // A body spooled to disk (BodyPlan::to_file): its path and size; the request's own body is
  // then empty. The file is removed when the exchange ends.
  std::string body_file{};
  std::uint64_t body_size = 0;
  // What the dispatcher keeps between admit() and dispatch().
  struct State {
    virtual ~State() = default;
  };
  std::unique_ptr<State> state{};
  // Filled by the dispatcher for the request's metrics and log line.
  std::string_view route_label = "unmatched";
  boost::json::object log_fields{};
};

// Why the transport answered a request itself, before dispatching it.
// How a route's body is read: at most `limit` bytes, into memory or (large uploads) a file.
struct BodyPlan {
  std::size_t limit = 0;
  bool to_file = false;
};

enum class Refusal { malformed, header_too_large, payload_too_large, overloaded };

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  // The header is read: find the route (kept in `ex`) and say how large its body may be.
  virtual BodyPlan route(Exchange& ex) = 0;
  // Still before the body: whatever the header alone decides (credentials, scope, limits). An
  // answer refuses the request without its body being read.
  virtual net::awaitable<std::optional<Response>> admit(Exchange& ex) = 0;
  // The body is read: answer. A handler that opened ex.stream answers through it instead.
  virtual net::awaitable<Response> dispatch(Exchange& ex) = 0;
  // The answer to a request refused by the transport, in the shape of whoever owns `path`
  // (empty when no header could be read).
  virtual Response refuse(std::string_view path, Refusal why, std::string message) = 0;
};

Response make_response(unsigned status, std::string body, std::string_view content_type = "application/json");
Response json_response(unsigned status, const boost::json::value& body);

}  // namespace agentd::http

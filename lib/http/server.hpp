// The HTTP/1.1 listener: one coroutine per connection on the io thread, keep-alive, a 16 KiB
// header limit, per-route body limits (413 before the body is read), read/idle/write deadlines,
// X-Request-Id, one JSON log line per request, and graceful shutdown.
#pragma once

#include "core/config.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/types.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <set>

namespace agentd::http {

// Runs a matched route (the access pipeline, then the handler).
using Pipeline = std::function<net::awaitable<Response>(RequestContext&)>;

class Server {
 public:
  Server(net::io_context& ioc, const HttpLimits& limits, const Router& router, Metrics& metrics, Pipeline pipeline);
  ~Server() { *alive_ = false; }

  // Binds and listens; returns the port (useful with port 0).
  unsigned short listen(const std::string& host, unsigned short port);
  void start();
  // Stops accepting and closes idle connections; busy ones close after their response.
  void begin_shutdown();
  // Closes every remaining connection (the grace period is over).
  void force_close();
  std::size_t connections() const { return sessions_.size(); }

 private:
  struct Session;
  net::awaitable<void> accept_loop();
  net::awaitable<void> run_session(net::ip::tcp::socket socket);
  net::awaitable<Response> respond(Request& req, const RouteMatch& match, std::string request_id,
                                   std::optional<RequestContext>& ctx,
                                   const std::function<void(RequestContext&)>& attach_stream);

  net::io_context& ioc_;
  HttpLimits limits_;
  const Router& router_;
  Metrics& metrics_;
  Pipeline pipeline_;
  net::ip::tcp::acceptor acceptor_;
  std::set<Session*> sessions_;
  bool shutting_down_ = false;
  // Session coroutines still suspended when the io_context stops are destroyed with it, after
  // the Server: they check this before touching it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// "127.0.0.1:8080" -> host, port; "[::1]:80" also. Throws std::invalid_argument.
std::pair<std::string, unsigned short> parse_listen(const std::string& listen);

}  // namespace agentd::http

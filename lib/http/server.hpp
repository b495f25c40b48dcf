// The HTTP/1.1 listener: one coroutine per connection on the io thread, keep-alive, a 16 KiB
// header limit, per-route body limits (413 before the body is read), read/idle/write deadlines,
// X-Request-Id, one JSON log line per request, and graceful shutdown. What a request means is
// the Dispatcher's business.
#pragma once

#include "core/config.hpp"
#include "http/metrics.hpp"
#include "http/types.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <functional>
#include <set>

namespace agentd::http {

class Server {
 public:
  Server(net::io_context& ioc, const HttpLimits& limits, Dispatcher& dispatcher, Metrics& metrics);
  ~Server() { *alive_ = false; }

  // Binds and listens; returns the port (useful with port 0).
  unsigned short listen(const std::string& host, unsigned short port);
  void start();
  // Stops accepting and closes idle connections; busy ones close after their response.
  // `on_drained` runs (on the io thread) once the last connection has ended.
  void begin_shutdown(std::function<void()> on_drained);
  // Closes every remaining connection (the grace period is over).
  void force_close();
  std::size_t connections() const { return sessions_.size(); }

 private:
  struct Session;
  class BodyBudget;
  net::awaitable<void> accept_loop();
  net::awaitable<void> run_session(net::ip::tcp::socket socket);
  // The steps of one request on a session; false ends the connection.
  net::awaitable<bool> read_header(Session& s, bhttp::request_parser<bhttp::string_body>& parser);
  template <class Body>
  net::awaitable<bool> read_rest(Session& s, bhttp::request_parser<Body>& parser, Exchange& ex, std::size_t body_limit,
                                 double started);
  net::awaitable<void> refuse_and_close(Session& s, Exchange& ex, Refusal why, std::string message, double started);
  net::awaitable<bool> refuse_before_body(Session& s, bhttp::request_parser<bhttp::string_body>& parser, Exchange& ex,
                                          Response& res, std::size_t body_limit, double started);
  net::awaitable<bool> write_response(Session& s, Exchange& ex, Response& res, double started);
  struct SpoolFile;
  net::awaitable<bool> read_body_to_file(Session& s, bhttp::request_parser<bhttp::string_body>& parser, Exchange& ex,
                                         SpoolFile& spool, std::size_t body_limit, double started);
  net::awaitable<bool> answer(Session& s, Exchange& ex, double started);
  net::awaitable<void> write_and_close(Session& s, Response& res);
  void record(const Exchange& ex, unsigned status, double started);
  void session_ended(Session* s);

  net::io_context& ioc_;
  HttpLimits limits_;
  Dispatcher& dispatcher_;
  Metrics& metrics_;
  net::ip::tcp::acceptor acceptor_;
  std::set<Session*> sessions_;
  bool shutting_down_ = false;
  std::function<void()> on_drained_;
  std::uint64_t body_bytes_in_flight_ = 0;
  net::steady_timer* capacity_ = nullptr;  // the accept loop's wait while at max_connections
  // Session coroutines still suspended when the io_context stops are destroyed with it, after
  // the Server: they check this before touching it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// "127.0.0.1:8080" -> host, port; "[::1]:80" also. Throws std::invalid_argument.
std::pair<std::string, unsigned short> parse_listen(const std::string& listen);

}  // namespace agentd::http

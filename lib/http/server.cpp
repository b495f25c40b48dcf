#include "http/server.hpp"

#include "api/error_map.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "http/event_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/url/parse.hpp>

#include <array>

namespace agentd::http {

using tcp = net::ip::tcp;
namespace {
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

std::string sanitize_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return {};
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return {};
  return std::string(id);
}

std::string allow_header(const std::vector<bhttp::verb>& verbs) {
  std::string out;
  for (auto v : verbs) {
    if (!out.empty()) out += ", ";
    out += std::string(bhttp::to_string(v));
  }
  return out;
}

}  // namespace

struct Server::Session {
  beast::tcp_stream* stream = nullptr;
  bool idle = true;  // waiting for the next request
};

std::pair<std::string, unsigned short> parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("listen address must be HOST:PORT: " + listen);
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535)
    throw std::invalid_argument("invalid port in listen address: " + listen);
  return {host.empty() ? "0.0.0.0" : host, static_cast<unsigned short>(std::stoi(port))};
}

Server::Server(net::io_context& ioc, const HttpLimits& limits, const Router& router, Metrics& metrics,
               Pipeline pipeline)
    : ioc_(ioc), limits_(limits), router_(router), metrics_(metrics), pipeline_(std::move(pipeline)), acceptor_(ioc) {}

unsigned short Server::listen(const std::string& host, unsigned short port) {
  tcp::endpoint ep(net::ip::make_address(host), port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(net::socket_base::max_listen_connections);
  return acceptor_.local_endpoint().port();
}

void Server::start() {
  net::co_spawn(ioc_, accept_loop(), [](std::exception_ptr ep) {
    if (!ep) return;
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& ex) {
      log::error(std::string("accept loop failed: ") + ex.what());
    }
  });
}

net::awaitable<void> Server::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(tuple_awaitable);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) break;
      // Out of file descriptors and the like: keep serving the connections we have.
      log::warn("accept failed: " + ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    net::co_spawn(ioc_, run_session(std::move(socket)), [](std::exception_ptr ep) {
      if (!ep) return;
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& ex) {
        log::error(std::string("connection ended by an exception: ") + ex.what());
      }
    });
  }
}

void Server::begin_shutdown() {
  shutting_down_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (Session* s : sessions_)
    if (s->idle) s->stream->socket().close(ec);
}

void Server::force_close() {
  boost::system::error_code ec;
  for (Session* s : sessions_) s->stream->socket().close(ec);
}

net::awaitable<void> Server::run_session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  Session self{&stream, true};
  sessions_.insert(&self);
  metrics_.connection_opened();
  struct Cleanup {
    Server& server;
    Session* self;
    std::shared_ptr<bool> alive;
    ~Cleanup() {
      if (!*alive) return;
      server.sessions_.erase(self);
      server.metrics_.connection_closed();
    }
  } cleanup{*this, &self, alive_};

  // An answer sent before the request was read whole (413, 400): then a lingering close, so
  // that a client still sending its body reads the answer instead of a connection reset.
  auto write_and_close = [&](Response& res) -> net::awaitable<void> {
    res.keep_alive(false);
    stream.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
    auto [wec, wn] = co_await bhttp::async_write(stream, res, tuple_awaitable);
    if (wec) co_return;
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 64 * 1024> sink;
    std::size_t drained = 0;
    while (drained < 16 * 1024 * 1024) {
      auto [rec, rn] = co_await stream.async_read_some(net::buffer(sink), tuple_awaitable);
      if (rec) break;
      drained += rn;
    }
  };

  while (!shutting_down_) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.header_limit));
    // Beast checks Content-Length against body_limit while parsing the header; the route's own
    // limit is applied once the route is known.
    parser.body_limit(boost::none);
    // A slow or half-sent header cannot hold the connection past these deadlines.
    stream.expires_after(std::chrono::milliseconds(buffer.size() == 0 ? limits_.idle_timeout_ms
                                                                        : limits_.request_timeout_ms));
    self.idle = true;
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, tuple_awaitable);
    self.idle = false;
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        Response res = api::render_error(Dialect::server, AppError(ErrorKind::bad_request, "header_too_large",
                                                                   "Request header fields exceed 16 KiB"));
        res.result(bhttp::status::request_header_fields_too_large);
        co_await write_and_close(res);
      } else if (ec != bhttp::error::end_of_stream &&
                 ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
        // Bytes that are not HTTP: say so, then close.
        Response res = api::render_error(Dialect::server, bad_request("Malformed HTTP request: " + ec.message()));
        co_await write_and_close(res);
      }
      break;
    }
    const double started = SystemClock::instance().mono_seconds();
    auto& header = parser.get();
    const std::string_view target(header.target().data(), header.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    RouteMatch match = router_.match(header.method(), path);
    std::string request_id = sanitize_request_id(header["X-Request-Id"]);
    if (request_id.empty()) request_id = agentd::request_id();

    const std::size_t body_limit =
        match.route && match.route->body_limit ? match.route->body_limit : limits_.default_body_limit;
    const Dialect dialect = match.route ? match.route->dialect : dialect_for_path(path);
    auto too_large = [&] {
      Response res = api::render_error(dialect, AppError(ErrorKind::payload_too_large, "payload_too_large",
                                                         "Request body exceeds the limit of " +
                                                             std::to_string(body_limit) + " bytes"));
      res.set("X-Request-Id", request_id);
      metrics_.request(match.route ? match.route->pattern : "unmatched", 413,
                       SystemClock::instance().mono_seconds() - started);
      return res;
    };
    if (auto len = parser.content_length(); len && *len > body_limit) {
      Response res = too_large();
      co_await write_and_close(res);
      break;
    }
    parser.body_limit(body_limit);
    if (!parser.is_done()) {
      stream.expires_after(std::chrono::milliseconds(limits_.request_timeout_ms));
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, tuple_awaitable);
      if (bec == bhttp::error::body_limit) {
        Response res = too_large();
        co_await write_and_close(res);
        break;
      }
      if (bec) break;
    }
    // No deadline while the handler runs; the next read or write sets its own.
    stream.expires_never();

    Request req = parser.release();
    std::optional<RequestContext> ctx;
    std::optional<ConnectionEventStream> events;
    const std::function<void(RequestContext&)> attach_stream = [&](RequestContext& c) {
      events.emplace(stream, buffer, limits_, metrics_, c, req.keep_alive() && !shutting_down_);
      c.stream = &*events;
    };
    auto responding = respond(req, match, request_id, ctx, attach_stream);
    Response res = co_await std::move(responding);
    const bool streamed = events && events->opened();
    if (streamed) {
      auto finishing = events->finish();
      co_await std::move(finishing);
    } else {
      res.set("X-Request-Id", request_id);
      res.keep_alive(req.keep_alive() && !shutting_down_);
      res.prepare_payload();
    }

    const double elapsed = SystemClock::instance().mono_seconds() - started;
    metrics_.request(match.route ? match.route->pattern : "unmatched", res.result_int(), elapsed);
    if (log::enabled(log::Level::info)) {
      boost::json::object line{{"msg", "request"},
                               {"request_id", request_id},
                               {"method", std::string(req.method_string())},
                               {"route", match.route ? match.route->pattern : std::string(path)},
                               {"status", res.result_int()}};
      if (ctx && ctx->principal) {
        line["org"] = ctx->principal->org.slug;
        line["key_id"] = ctx->principal->key->id;
      }
      log::request(std::move(line), elapsed * 1000);
    }

    if (streamed) {
      if (events->client_gone() || !req.keep_alive() || shutting_down_) break;
      continue;
    }
    stream.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
    auto [wec, wn] = co_await bhttp::async_write(stream, res, tuple_awaitable);
    if (wec || !res.keep_alive()) break;
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<Response> Server::respond(Request& req, const RouteMatch& match, std::string request_id,
                                         std::optional<RequestContext>& ctx,
                                         const std::function<void(RequestContext&)>& attach_stream) {
  const std::string_view target(req.target().data(), req.target().size());
  if (!match.route) {
    const std::string_view path = target.substr(0, target.find('?'));
    const Dialect dialect = dialect_for_path(path);
    if (!match.allowed.empty()) {
      Response res = api::render_error(
          dialect, AppError(ErrorKind::method_not_allowed, "method_not_allowed",
                            "Method " + std::string(req.method_string()) + " not allowed on " + std::string(path)));
      res.set(bhttp::field::allow, allow_header(match.allowed));
      co_return res;
    }
    co_return api::render_error(dialect, not_found("not_found", "Not found: " + std::string(req.method_string()) +
                                                                    " " + std::string(path)));
  }
  auto url = boost::urls::parse_origin_form(target);
  if (!url) co_return api::render_error(match.route->dialect, bad_request("Malformed request target"));
  ctx.emplace(RequestContext{req, *match.route, std::move(request_id), match.params, *url, {}, {}, {}, nullptr, false});
  attach_stream(*ctx);
  co_return co_await pipeline_(*ctx);
}

}  // namespace agentd::http

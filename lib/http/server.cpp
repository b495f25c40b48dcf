#include "http/server.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "http/event_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/url/parse.hpp>

#include <array>
#include <filesystem>
#include <cerrno>
#include <cstring>

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

// "http://host:80/a?b" -> "/a?b" ("/" without a path); "" when `target` is not absolute-form.
std::string origin_form(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() < scheme.size() || !std::equal(scheme.begin(), scheme.end(), target.begin(),
                                                      [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
      continue;
    const auto rest = target.substr(scheme.size());
    const auto start = rest.find_first_of("/?");
    if (start == std::string_view::npos) return "/";
    return rest[start] == '?' ? "/" + std::string(rest.substr(start)) : std::string(rest.substr(start));
  }
  return {};
}

}  // namespace

// The declared size of a request body against http.max_body_bytes_in_flight, for as long as the
// request lasts.
class Server::BodyBudget {
 public:
  BodyBudget(Server& server, std::uint64_t bytes) : server_(server), alive_(server.alive_) {
    const auto cap = server.limits_.max_body_bytes_in_flight;
    granted_ = bytes == 0 || (bytes <= cap && server.body_bytes_in_flight_ <= cap - bytes);
    if (granted_) server.body_bytes_in_flight_ += bytes_ = bytes;
  }
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;
  ~BodyBudget() {
    if (*alive_) server_.body_bytes_in_flight_ -= bytes_;
  }
  bool granted() const { return granted_; }

 private:
  Server& server_;
  std::shared_ptr<bool> alive_;
  std::uint64_t bytes_ = 0;
  bool granted_ = false;
};

// A spooled request body, removed when its exchange ends (whatever the handler did with it).
struct Server::SpoolFile {
  std::string path;
  SpoolFile() = default;
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;
  ~SpoolFile() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove(path, ec);
  }
};

struct Server::Session {
  explicit Session(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool idle = true;  // waiting for the next request
  bool keep_alive = true;
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

Server::Server(net::io_context& ioc, const HttpLimits& limits, Dispatcher& dispatcher, Metrics& metrics)
    : ioc_(ioc), limits_(limits), dispatcher_(dispatcher), metrics_(metrics), acceptor_(ioc) {}

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

// Out of file descriptors (EMFILE, ENFILE) the listener stays readable: without a pause the
// loop would spin. It waits, says so once per interval, and keeps serving open connections.
net::awaitable<void> Server::accept_loop() {
  net::steady_timer pause(ioc_);
  double last_warning = -1e9;
  std::uint64_t refused_since_warning = 0;
  auto warn_at_most_every_10s = [&](const std::string& what) {
    const double now = SystemClock::instance().mono_seconds();
    ++refused_since_warning;
    if (now - last_warning < 10) return;
    log::warn(what + " (" + std::to_string(refused_since_warning) + " times since the last warning)");
    last_warning = now;
    refused_since_warning = 0;
  };
  while (acceptor_.is_open()) {
    if (sessions_.size() >= static_cast<std::size_t>(limits_.max_connections)) {
      warn_at_most_every_10s("connection limit reached (http.max_connections = " + std::to_string(limits_.max_connections) +
                             "): new connections wait until one ends");
      capacity_ = &pause;
      pause.expires_after(std::chrono::seconds(1));
      co_await pause.async_wait(tuple_awaitable);
      capacity_ = nullptr;
      continue;
    }
    auto [ec, socket] = co_await acceptor_.async_accept(tuple_awaitable);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) break;
      const bool out_of_files = ec.value() == EMFILE || ec.value() == ENFILE;  // system errors of accept(2)
      warn_at_most_every_10s("accept failed: " + ec.message());
      pause.expires_after(std::chrono::milliseconds(out_of_files ? 100 : 10));
      co_await pause.async_wait(tuple_awaitable);
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

void Server::begin_shutdown(std::function<void()> on_drained) {
  shutting_down_ = true;
  on_drained_ = std::move(on_drained);
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (Session* s : sessions_)
    if (s->idle) s->stream.socket().close(ec);
  if (sessions_.empty() && on_drained_) net::post(ioc_, std::exchange(on_drained_, {}));
}

void Server::force_close() {
  boost::system::error_code ec;
  for (Session* s : sessions_) s->stream.socket().close(ec);
}

void Server::session_ended(Session* s) {
  sessions_.erase(s);
  metrics_.connection_closed();
  if (capacity_) capacity_->cancel();  // the accept loop waits for room
  if (shutting_down_ && sessions_.empty() && on_drained_) net::post(ioc_, std::exchange(on_drained_, {}));
}

void Server::record(const Exchange& ex, unsigned status, double started) {
  const double elapsed = SystemClock::instance().mono_seconds() - started;
  metrics_.request(ex.route_label, status, elapsed);
  if (!log::enabled(log::Level::info)) return;
  boost::json::object line{{"msg", "request"},
                           {"request_id", ex.request_id},
                           {"method", std::string(ex.request->method_string())},
                           {"route", ex.route ? std::string(ex.route_label) : std::string(ex.path)},
                           {"status", status}};
  for (const auto& kv : ex.log_fields) line[kv.key()] = kv.value();
  log::request(std::move(line), elapsed * 1000);
}

// An answer sent before the request was read whole (413, 400): then a lingering close, so that
// a client still sending its body reads the answer instead of a connection reset.
net::awaitable<void> Server::write_and_close(Session& s, Response& res) {
  res.keep_alive(false);
  s.stream.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
  auto [wec, wn] = co_await bhttp::async_write(s.stream, res, tuple_awaitable);
  if (wec) co_return;
  boost::system::error_code ec;
  s.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  s.stream.expires_after(std::chrono::seconds(2));
  std::array<char, 64 * 1024> sink;
  std::size_t drained = 0;
  while (drained < 16 * 1024 * 1024) {
    auto [rec, rn] = co_await s.stream.async_read_some(net::buffer(sink), tuple_awaitable);
    if (rec) break;
    drained += rn;
  }
}

net::awaitable<bool> Server::read_header(Session& s, bhttp::request_parser<bhttp::string_body>& parser) {
  parser.header_limit(static_cast<std::uint32_t>(limits_.header_limit));
  // Beast checks Content-Length against body_limit while parsing the header; the route's own
  // limit is applied once the route is known.
  parser.body_limit(boost::none);
  // Idle until the first byte of a request; from there the whole header must arrive within the
  // request deadline, however slowly it drips (and never past the idle deadline either).
  const auto idle_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits_.idle_timeout_ms);
  if (s.buffer.size() == 0) {
    s.stream.expires_at(idle_deadline);
    s.idle = true;
    auto [ec, n] = co_await s.stream.async_read_some(s.buffer.prepare(limits_.header_limit), tuple_awaitable);
    s.idle = false;
    if (ec) co_return false;
    s.buffer.commit(n);
  }
  s.stream.expires_at(std::min(idle_deadline, std::chrono::steady_clock::now() +
                                                  std::chrono::milliseconds(limits_.request_timeout_ms)));
  auto [ec, n] = co_await bhttp::async_read_header(s.stream, s.buffer, parser, tuple_awaitable);
  if (!ec) co_return true;
  if (ec == bhttp::error::header_limit) {
    Response res = dispatcher_.refuse("", Refusal::header_too_large, "Request header fields exceed 16 KiB");
    co_await write_and_close(s, res);
  } else if (ec != bhttp::error::end_of_stream &&
             ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
    // Bytes that are not HTTP: say so, then close.
    Response res = dispatcher_.refuse("", Refusal::malformed, "Malformed HTTP request: " + ec.message());
    co_await write_and_close(s, res);
  }
  co_return false;
}

net::awaitable<void> Server::refuse_and_close(Session& s, Exchange& ex, Refusal why, std::string message, double started) {
  Response res = dispatcher_.refuse(ex.path, why, std::move(message));
  res.set("X-Request-Id", ex.request_id);
  record(ex, res.result_int(), started);
  co_await write_and_close(s, res);
}

// The rest of the body, into whatever the parser's body is (memory or a file): over the limit
// 413, malformed (a bad chunk size, a chunk-size overflow) 400, both before closing.
template <class Body>
net::awaitable<bool> Server::read_rest(Session& s, bhttp::request_parser<Body>& parser, Exchange& ex, std::size_t body_limit,
                                       double started) {
  const std::string too_large = "Request body exceeds the limit of " + std::to_string(body_limit) + " bytes";
  if (auto len = parser.content_length(); len && *len > body_limit) {
    co_await refuse_and_close(s, ex, Refusal::payload_too_large, too_large, started);
    co_return false;
  }
  parser.body_limit(body_limit);
  if (!parser.is_done()) {
    s.stream.expires_after(std::chrono::milliseconds(limits_.request_timeout_ms));
    auto [ec, n] = co_await bhttp::async_read(s.stream, s.buffer, parser, tuple_awaitable);
    if (ec == bhttp::error::body_limit) {
      co_await refuse_and_close(s, ex, Refusal::payload_too_large, too_large, started);
    } else if (ec && ec != bhttp::error::partial_message && ec != bhttp::error::end_of_stream &&
               ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
      co_await refuse_and_close(s, ex, Refusal::malformed, "Malformed HTTP request: " + ec.message(), started);
    }
    if (ec) co_return false;
  }
  // No deadline while the handler runs; the next read or write sets its own.
  s.stream.expires_never();
  co_return true;
}

// Reads the rest of the body into a new file under http.body_spool_dir (made at start).
net::awaitable<bool> Server::read_body_to_file(Session& s, bhttp::request_parser<bhttp::string_body>& parser, Exchange& ex,
                                               SpoolFile& spool, std::size_t body_limit, double started) {
  if (auto len = parser.content_length(); len && *len > body_limit) {
    // Refused as read_rest would, before a file is made for it.
    co_return co_await read_rest(s, parser, ex, body_limit, started);
  }
  bhttp::request_parser<bhttp::file_body> file_parser(std::move(parser));
  spool.path = (std::filesystem::path(limits_.body_spool_dir) / ("body-" + agentd::request_id())).string();
  boost::system::error_code ec;
  file_parser.get().body().open(spool.path.c_str(), beast::file_mode::write_new, ec);
  if (ec) {
    log::error("cannot spool a request body to " + spool.path + ": " + ec.message());
    spool.path.clear();
    co_await refuse_and_close(s, ex, Refusal::overloaded, "Server busy: cannot store the request body; retry shortly", started);
    co_return false;
  }
  if (!co_await read_rest(s, file_parser, ex, body_limit, started)) co_return false;
  ex.body_size = file_parser.get().body().size();
  file_parser.get().body().close();
  ex.body_file = spool.path;
  co_return true;
}

net::awaitable<bool> Server::write_response(Session& s, Exchange& ex, Response& res, double started) {
  res.set("X-Request-Id", ex.request_id);
  res.keep_alive(ex.request->keep_alive() && !shutting_down_);  // shutdown may have begun meanwhile
  res.prepare_payload();
  record(ex, res.result_int(), started);
  s.stream.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
  auto [ec, n] = co_await bhttp::async_write(s.stream, res, tuple_awaitable);
  co_return !ec && res.keep_alive();
}

// Refused from its header alone: a small body is read and dropped so that the connection stays
// usable; a large or chunked one is never read (the answer, then a lingering close).
net::awaitable<bool> Server::refuse_before_body(Session& s, bhttp::request_parser<bhttp::string_body>& parser,
                                                Exchange& ex, Response& res, std::size_t body_limit, double started) {
  constexpr std::uint64_t kSmallBody = 64 * 1024;
  const auto len = parser.content_length();
  if (parser.is_done() || (len && *len <= std::min<std::uint64_t>(kSmallBody, body_limit))) {
    if (!co_await read_rest(s, parser, ex, body_limit, started)) co_return false;
    co_return co_await write_response(s, ex, res, started);
  }
  res.set("X-Request-Id", ex.request_id);
  record(ex, res.result_int(), started);
  co_await write_and_close(s, res);
  co_return false;
}

net::awaitable<bool> Server::answer(Session& s, Exchange& ex, double started) {
  const bool keep_alive = ex.request->keep_alive() && !shutting_down_;
  ConnectionEventStream events(s.stream, s.buffer, limits_, metrics_, ex.request_id, keep_alive);
  ex.stream = &events;
  auto dispatching = dispatcher_.dispatch(ex);
  Response res = co_await std::move(dispatching);
  if (!events.opened()) co_return co_await write_response(s, ex, res, started);
  auto finishing = events.finish();
  co_await std::move(finishing);
  record(ex, res.result_int(), started);
  co_return !events.client_gone() && keep_alive && !shutting_down_;
}

net::awaitable<void> Server::run_session(tcp::socket socket) {
  Session self(std::move(socket));
  sessions_.insert(&self);
  metrics_.connection_opened();
  struct Cleanup {
    Server& server;
    Session* self;
    std::shared_ptr<bool> alive;
    ~Cleanup() {
      if (*alive) server.session_ended(self);
    }
  } cleanup{*this, &self, alive_};

  while (!shutting_down_) {
    bhttp::request_parser<bhttp::string_body> parser;
    if (!co_await read_header(self, parser)) break;
    const double started = SystemClock::instance().mono_seconds();
    Request& req = parser.get();
    // An absolute-form target (RFC 9112 3.2.2) is served as its origin form.
    if (auto origin = origin_form(req.target()); !origin.empty()) req.target(origin);
    const std::string_view target(req.target().data(), req.target().size());
    std::string request_id = sanitize_request_id(req["X-Request-Id"]);
    if (request_id.empty()) request_id = agentd::request_id();
    Exchange ex{&req, target.substr(0, target.find('?')), std::move(request_id)};
    const BodyPlan plan = dispatcher_.route(ex);
    const std::size_t body_limit = plan.limit;
    // A body that goes to disk is read by a parser of its own: the exchange keeps a copy of the
    // header, which the string parser gives up.
    const bool to_file = plan.to_file && !limits_.body_spool_dir.empty() && !parser.is_done();
    std::optional<Request> head;
    if (to_file) {
      head.emplace(req.base());
      ex.request = &*head;
    }
    SpoolFile spool;
    auto admitting = dispatcher_.admit(ex);
    if (auto refusal = co_await std::move(admitting)) {
      if (!co_await refuse_before_body(self, parser, ex, *refusal, body_limit, started)) break;
      continue;
    }
    if (to_file) {
      if (!co_await read_body_to_file(self, parser, ex, spool, body_limit, started)) break;
      if (!co_await answer(self, ex, started)) break;
      continue;
    }
    // Bodies held in memory at once are bounded: beyond the budget, 503 before reading.
    BodyBudget budget(*this, parser.is_done() ? 0 : parser.content_length().value_or(body_limit));
    if (!budget.granted()) {
      Response res = dispatcher_.refuse(ex.path, Refusal::overloaded,
                                        "Server busy: too many request bodies in flight; retry shortly");
      res.set(bhttp::field::retry_after, "1");
      if (!co_await refuse_before_body(self, parser, ex, res, body_limit, started)) break;
      continue;
    }
    if (!co_await read_rest(self, parser, ex, body_limit, started)) break;
    if (!co_await answer(self, ex, started)) break;
  }
  boost::system::error_code ec;
  self.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace agentd::http

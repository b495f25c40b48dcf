#include "api/common/dispatcher.hpp"

#include <cstring>

#include "api/common/schema.hpp"
#include "core/log.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

namespace agentd::api {
namespace {

std::string allow_header(const std::vector<bhttp::verb>& verbs) {
  std::string out;
  for (auto v : verbs) {
    if (!out.empty()) out += ", ";
    out += std::string(bhttp::to_string(v));
  }
  return out;
}

}  // namespace

const std::string& RequestContext::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  static const std::string empty;
  return empty;
}

const Dialect& RequestContext::dialect() const { return *route.dialect; }

net::awaitable<void> RequestContext::open_stream(http::Response& head) {
  if (limit_snapshot) access::set_rate_limit_headers(head, *limit_snapshot);
  auto opening = stream->open(head);
  co_await std::move(opening);
  streamed = true;
}

RouteDoc health_doc() {
  using namespace schema;
  return {.summary = "Liveness: no authentication, no database",
          .response = obj({{"status", one_of({"ok"})}, {"version", str()}}, {"status", "version"})};
}

net::awaitable<http::Response> health(RequestContext&) {
  static const std::string body = R"({"status":"ok","version":")" AGENTD_VERSION R"("})";
  co_return http::make_response(200, body);
}

http::Response render_error(const Dialect& dialect, const AppError& e) {
  RenderedError r = dialect.render(e);
  http::Response res = http::json_response(r.status, r.body);
  if (e.kind == ErrorKind::missing_key && !dialect.www_authenticate.empty())
    res.set(bhttp::field::www_authenticate, dialect.www_authenticate);
  if (e.kind == ErrorKind::rate_limited || e.kind == ErrorKind::concurrency_limited)
    res.set(bhttp::field::retry_after, std::to_string(e.retry_after));
  return res;
}

const Dialect& DialectTable::add(Dialect dialect) {
  dialects_.push_back(std::make_unique<Dialect>(std::move(dialect)));
  return *dialects_.back();
}

const Dialect& DialectTable::owner(std::string_view path) const {
  const Dialect* best = dialects_.front().get();
  std::size_t best_length = 0;
  for (const auto& d : dialects_)
    for (const auto& p : d->prefixes)
      if (path.substr(0, p.size()) == p && p.size() > best_length) {
        best = d.get();
        best_length = p.size();
      }
  return *best;
}

void Dispatcher::add(Route route) { router_.add(std::move(route)); }

http::BodyPlan Dispatcher::route(http::Exchange& ex) {
  auto match = router_.match(ex.request->method(), ex.path);
  if (!match.route) return {default_body_limit_, false};
  ex.route = match.route;
  ex.params = std::move(match.params);
  ex.route_label = match.route->pattern;
  return {match.route->body_limit ? match.route->body_limit : default_body_limit_, match.route->body_to_file};
}

http::Response Dispatcher::unmatched(const http::Exchange& ex) const {
  const Dialect& dialect = dialects_.owner(ex.path);
  const std::string method(ex.request->method_string());
  auto match = router_.match(ex.request->method(), ex.path);
  if (!match.allowed.empty()) {
    http::Response res = render_error(dialect, AppError(ErrorKind::method_not_allowed, "method_not_allowed",
                                                        "Method " + method + " not allowed on " + std::string(ex.path)));
    res.set(bhttp::field::allow, allow_header(match.allowed));
    return res;
  }
  return render_error(dialect, not_found("not_found", "Not found: " + method + " " + std::string(ex.path)));
}

namespace {

std::string lenient_query(std::string_view target) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  const auto q = target.find('?');
  for (std::size_t i = 0; i < target.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(target[i]);
    if (q != std::string_view::npos && i > q && c != 0 && std::strchr("[]{}|^`\\\"<>", c) != nullptr) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

// A routed request between admit() and dispatch(): its context and what the gate holds for it.
struct Dispatcher::Admitted final : http::Exchange::State {
  Admitted(access::Call call, const Route& route, http::PathParams params)
      : ctx(std::move(call), route, std::move(params), nullptr) {}
  RequestContext ctx;
  access::Pass pass;
};

net::awaitable<std::optional<http::Response>> Dispatcher::admit(http::Exchange& ex) {
  if (!ex.route) co_return std::nullopt;  // 404 or 405, answered once the body is read
  const Route& route = *static_cast<const Route*>(ex.route);
  const Dialect& dialect = *route.dialect;
  auto url = boost::urls::parse_origin_form(std::string_view(ex.request->target().data(), ex.request->target().size()));
  if (!url) {
    // Clients send filter[search]=... with raw brackets (curl -g, PHP, many HTTP libraries):
    // the query's characters that RFC 3986 reserves are taken as their percent-encoded form.
    const std::string encoded = lenient_query(std::string_view(ex.request->target().data(), ex.request->target().size()));
    ex.request->target(encoded);
    url = boost::urls::parse_origin_form(std::string_view(ex.request->target().data(), ex.request->target().size()));
  }
  if (!url) co_return render_error(dialect, bad_request("Malformed request target"));
  auto admitted = std::make_unique<Admitted>(access::Call{*ex.request, *url, ex.request_id}, route, std::move(ex.params));
  Admitted& a = *admitted;
  ex.state = std::move(admitted);
  if (route.scope.empty()) co_return std::nullopt;
  std::optional<AppError> error;
  try {
    auto admitting = gate_.admit(a.ctx, a.pass, dialect.access, route.scope);
    co_await std::move(admitting);
  } catch (const AppError& e) {
    error = e;
  }
  if (!error) co_return std::nullopt;
  http::Response res = render_error(dialect, *error);
  auto leaving = gate_.leave(a.ctx, a.pass, res, route.pattern);
  co_await std::move(leaving);
  if (a.ctx.principal) ex.log_fields = {{"org", a.ctx.principal->org.slug}, {"key_id", a.ctx.principal->key->id}};
  co_return res;
}

net::awaitable<http::Response> Dispatcher::dispatch(http::Exchange& ex) {
  auto* admitted = dynamic_cast<Admitted*>(ex.state.get());
  if (!ex.route || !admitted) co_return unmatched(ex);
  const Route& route = *static_cast<const Route*>(ex.route);
  const Dialect& dialect = *route.dialect;
  RequestContext& ctx = admitted->ctx;
  access::Pass& pass = admitted->pass;
  ctx.stream = ex.stream;
  ctx.body_file = ex.body_file;
  ctx.body_size = ex.body_size;
  std::optional<AppError> error;
  std::optional<http::Response> response;
  try {
    if (!route.scope.empty()) {
      auto entering = gate_.reserve_and_claim(ctx, pass, route.estimate);
      co_await std::move(entering);
      if (pass.reservation)
        ctx.charge_now = [this, &pass, &route](db::Conn& c, Micros cost) { return gate_.charge_in(c, pass, cost, route.pattern); };
    }
    if (pass.replay) {
      response = std::move(*pass.replay);
    } else {
      auto handling = route.handler(ctx);
      response = co_await std::move(handling);
    }
  } catch (const AppError& e) {
    error = e;
  } catch (const std::exception& e) {
    log::write(log::Level::error, {{"msg", "unhandled error"}, {"request_id", ctx.request_id}, {"route", route.pattern},
                                   {"error", e.what()}});
    error = internal_error();
  }

  if (ctx.streamed) {
    if (error) log::write(log::Level::error, {{"msg", "stream ended by an error"}, {"request_id", ctx.request_id},
                                              {"error", error->message}});
    response = http::make_response(200, "", "text/event-stream");
  } else if (error) {
    response = render_error(dialect, *error);
  }
  auto leaving = gate_.leave(ctx, pass, *response, route.pattern);
  co_await std::move(leaving);
  if (ctx.principal) ex.log_fields = {{"org", ctx.principal->org.slug}, {"key_id", ctx.principal->key->id}};
  co_return std::move(*response);
}

http::Response Dispatcher::refuse(std::string_view path, http::Refusal why, std::string message) {
  const Dialect& dialect = dialects_.owner(path);
  switch (why) {
    case http::Refusal::payload_too_large:
      return render_error(dialect, AppError(ErrorKind::payload_too_large, "payload_too_large", std::move(message)));
    case http::Refusal::header_too_large: {
      http::Response res = render_error(dialect, AppError(ErrorKind::bad_request, "header_too_large", std::move(message)));
      res.result(bhttp::status::request_header_fields_too_large);
      return res;
    }
    case http::Refusal::overloaded:
      return render_error(dialect, AppError(ErrorKind::unavailable, "server_busy", std::move(message)));
    case http::Refusal::malformed: break;
  }
  return render_error(dialect, bad_request(std::move(message)));
}

}  // namespace agentd::api

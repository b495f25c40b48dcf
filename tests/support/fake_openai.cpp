#include "fake_openai.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <thread>

namespace agentd::testing {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;

std::string openai_answer(const std::string& content, const std::vector<std::pair<std::string, std::string>>& tool_calls) {
  json::object message{{"role", "assistant"}, {"content", content}};
  if (!tool_calls.empty()) {
    json::array calls;
    for (std::size_t i = 0; i < tool_calls.size(); ++i)
      calls.push_back({{"id", "call_up_" + std::to_string(i)}, {"type", "function"},
                       {"function", {{"name", tool_calls[i].first}, {"arguments", tool_calls[i].second}}}});
    message["tool_calls"] = std::move(calls);
    message["content"] = nullptr;
  }
  return json::serialize(json::object{
      {"id", "chatcmpl-up"}, {"object", "chat.completion"}, {"created", 1}, {"model", "up"},
      {"choices", json::array{{{"index", 0}, {"message", std::move(message)},
                               {"finish_reason", tool_calls.empty() ? "stop" : "tool_calls"}}}}});
}

std::vector<std::string> openai_stream(const std::vector<std::string>& words) {
  auto chunk = [](json::object delta, json::value finish) {
    return json::serialize(json::object{{"id", "chatcmpl-up"}, {"object", "chat.completion.chunk"}, {"created", 1},
                                        {"model", "up"},
                                        {"choices", json::array{{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}}}}});
  };
  std::vector<std::string> out{chunk({{"role", "assistant"}}, nullptr)};
  for (const auto& w : words) out.push_back(chunk({{"content", w}}, nullptr));
  out.push_back(chunk({}, "stop"));
  return out;
}

struct FakeOpenAI::Impl {
  net::io_context ioc{1};
  net::ssl::context tls_context{net::ssl::context::tls_server};
  bool tls = false;
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  unsigned short port = 0;
};

namespace {
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

net::awaitable<void> pause(int ms) {
  if (ms <= 0) co_return;
  net::steady_timer t(co_await net::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(tuple_awaitable);
}
}  // namespace

// One connection's exchanges, over TCP or TLS.
template <class Stream>
net::awaitable<void> FakeOpenAI::serve(Stream& stream) {
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request<bhttp::string_body> req;
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, req, tuple_awaitable);
    if (ec) co_return;
    json::error_code jec;
    json::value body = json::parse(req.body(), jec);
    FakeRequest request{std::string(req.method_string()), std::string(req.target()),
                        std::string(req[bhttp::field::authorization]), std::string(req["Prefer"]), req.body(),
                        body.is_object() ? body.as_object() : json::object{}};
    const int call = ++calls_;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request.json);
    }
    FakeReply reply = script_(request, call);
    std::array<char, 256> sink;
    if (reply.hang) {
      // Wait for the client to give up.
      for (;;) {
        auto [rec, rn] = co_await stream.async_read_some(net::buffer(sink), tuple_awaitable);
        if (rec) co_return;
      }
    }
    co_await pause(reply.delay_ms);
    if (reply.events.empty() || reply.status != 200) {
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status), 11};
      res.set(bhttp::field::content_type, reply.content_type);
      res.body() = reply.body.empty() && reply.status != 200 ? R"({"error":{"message":"upstream failure"}})" : reply.body;
      res.prepare_payload();
      auto [wec, wn] = co_await bhttp::async_write(stream, res, tuple_awaitable);
      if (wec) co_return;
      continue;
    }
    bhttp::response<bhttp::empty_body> head{bhttp::status::ok, 11};
    head.set(bhttp::field::content_type, "text/event-stream");
    head.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> sr(head);
    auto [hec, hn] = co_await bhttp::async_write_header(stream, sr, tuple_awaitable);
    if (hec) co_return;
    auto events = reply.events;
    if (!reply.hold_open) events.push_back("[DONE]");
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (i > 0) co_await pause(reply.delay_ms);
      const std::string data = "data: " + events[i] + "\n\n";
      auto [cec, cn] = co_await net::async_write(stream, bhttp::make_chunk(net::buffer(data)), tuple_awaitable);
      if (cec) {
        ++disconnects_;
        co_return;
      }
    }
    if (reply.hold_open) {
      for (;;) {
        auto [rec, rn] = co_await stream.async_read_some(net::buffer(sink), tuple_awaitable);
        if (rec) {
          ++disconnects_;
          co_return;
        }
      }
    }
    auto [lec, ln] = co_await net::async_write(stream, bhttp::make_chunk_last(), tuple_awaitable);
    if (lec) co_return;
  }
}

FakeOpenAI::FakeOpenAI(Script script, const std::string& tls_cert_file, const std::string& tls_key_file)
    : impl_(std::make_unique<Impl>()),
      script_([script = std::move(script)](const FakeRequest& r, int call) { return script(r.json, call); }) {
  impl_->tls = !tls_cert_file.empty();
  if (impl_->tls) {
    impl_->tls_context.use_certificate_chain_file(tls_cert_file);
    impl_->tls_context.use_private_key_file(tls_key_file, net::ssl::context::pem);
  }
  listen();
}

FakeOpenAI::FakeOpenAI(RouteScript script) : impl_(std::make_unique<Impl>()), script_(std::move(script)) { listen(); }

void FakeOpenAI::listen() {
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(net::socket_base::max_listen_connections);
  impl_->port = impl_->acceptor.local_endpoint().port();
  net::co_spawn(impl_->ioc,
                [this]() -> net::awaitable<void> {
                  for (;;) {
                    auto [ec, socket] = co_await impl_->acceptor.async_accept(tuple_awaitable);
                    if (ec) co_return;
                    net::co_spawn(impl_->ioc,
                                  [this, socket = std::move(socket)]() mutable -> net::awaitable<void> {
                                    if (!impl_->tls) {
                                      beast::tcp_stream stream(std::move(socket));
                                      co_await serve(stream);
                                      co_return;
                                    }
                                    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), impl_->tls_context);
                                    auto [hec] = co_await stream.async_handshake(net::ssl::stream_base::server, tuple_awaitable);
                                    if (!hec) co_await serve(stream);
                                  },
                                  net::detached);
                  }
                },
                net::detached);
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

FakeOpenAI::~FakeOpenAI() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::string FakeOpenAI::origin() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(impl_->port);
}

std::string FakeOpenAI::base_url() const { return origin() + "/v1"; }

std::vector<json::object> FakeOpenAI::requests(std::size_t from) const {
  std::lock_guard lock(mutex_);
  return {requests_.begin() + static_cast<std::ptrdiff_t>(std::min(from, requests_.size())), requests_.end()};
}

json::object FakeOpenAI::last_request() const {
  std::lock_guard lock(mutex_);
  return requests_.empty() ? json::object() : requests_.back();
}

std::size_t FakeOpenAI::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

}  // namespace agentd::testing

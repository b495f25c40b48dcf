#include "http/client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>

namespace agentd::http {

Endpoint parse_endpoint(const std::string& base_url) {
  auto url = boost::urls::parse_uri(base_url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty())
    throw std::invalid_argument("base_url must be an http:// or https:// URL: " + base_url);
  Endpoint e;
  e.tls = url->scheme() == "https";
  e.host = url->host_address();
  if (url->host_type() == boost::urls::host_type::ipv6) e.host = std::string(url->encoded_host_address());
  e.port = url->has_port() ? std::string(url->port()) : (e.tls ? "443" : "80");
  e.path = std::string(url->encoded_path());
  while (!e.path.empty() && e.path.back() == '/') e.path.pop_back();
  return e;
}

void verify_servers(net::ssl::context& tls, const std::string& ca_file, const std::string& setting) {
  if (ca_file.empty()) tls.set_default_verify_paths();
  else {
    boost::system::error_code ec;
    tls.load_verify_file(ca_file, ec);
    if (ec) throw std::runtime_error(setting + ": cannot load " + ca_file + ": " + ec.message());
  }
  tls.set_verify_mode(net::ssl::verify_peer);
}

ClientConnection::ClientConnection(net::any_io_executor ex, net::ssl::context& tls, const Endpoint& endpoint,
                                   ClientTimeouts timeouts)
    : endpoint_(endpoint), timeouts_(timeouts) {
  if (endpoint_.tls) tls_.emplace(ex, tls);
  else plain_.emplace(ex);
  parser_.body_limit(64 * 1024 * 1024);
}

void ClientConnection::arm(int ms) {
  auto& layer = tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
  layer.expires_after(std::chrono::milliseconds(ms));
}

net::awaitable<void> ClientConnection::connect() {
  auto ex = co_await net::this_coro::executor;
  net::ip::tcp::resolver resolver(ex);
  auto resolving = resolver.async_resolve(endpoint_.host, endpoint_.port, net::use_awaitable);
  const auto results = co_await std::move(resolving);
  auto& layer = tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
  arm(timeouts_.connect_ms);
  auto connecting = layer.async_connect(results, net::use_awaitable);
  co_await std::move(connecting);
  layer.socket().set_option(net::ip::tcp::no_delay(true));
  if (tls_) {
    if (!SSL_set_tlsext_host_name(tls_->native_handle(), endpoint_.host.c_str()))
      throw boost::system::system_error(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
    tls_->set_verify_callback(net::ssl::host_name_verification(endpoint_.host));
    auto handshake = tls_->async_handshake(net::ssl::stream_base::client, net::use_awaitable);
    co_await std::move(handshake);
  }
}

net::awaitable<void> ClientConnection::send(bhttp::request<bhttp::string_body>& request) {
  request.set(bhttp::field::host, endpoint_.host);
  request.prepare_payload();
  arm(timeouts_.read_ms);
  auto writing = on_stream([&](auto& s) { return bhttp::async_write(s, request, net::use_awaitable); });
  co_await std::move(writing);
}

net::awaitable<unsigned> ClientConnection::read_header() {
  arm(timeouts_.read_ms);
  auto reading = on_stream([&](auto& s) { return bhttp::async_read_header(s, buffer_, parser_, net::use_awaitable); });
  co_await std::move(reading);
  co_return parser_.get().result_int();
}

net::awaitable<unsigned> ClientConnection::exchange(bhttp::request<bhttp::string_body>& request) {
  auto connecting = connect();
  co_await std::move(connecting);
  auto sending = send(request);
  co_await std::move(sending);
  auto reading = read_header();
  co_return co_await std::move(reading);
}

net::awaitable<bool> ClientConnection::read_some(std::string& out) {
  auto& body = parser_.get().body();
  if (parser_.is_done()) {
    out += body;
    body.clear();
    co_return false;
  }
  arm(timeouts_.read_ms);
  auto reading = on_stream([&](auto& s) { return bhttp::async_read_some(s, buffer_, parser_, net::use_awaitable); });
  co_await std::move(reading);
  // The string body appends at its current end, so taking what arrived is safe mid-message.
  out += body;
  body.clear();
  co_return true;
}

net::awaitable<std::string> ClientConnection::read_body() {
  std::string all;
  for (;;) {
    auto reading = read_some(all);
    if (!co_await std::move(reading)) break;
  }
  co_return all;
}

}  // namespace agentd::http

// Outbound HTTP/1.1 over TCP or TLS (Beast + OpenSSL), one exchange per connection: connect
// with a deadline, send, read the header, then the body whole or piece by piece as it arrives
// (streamed upstream answers). Every read has an idle deadline. Awaited operations follow the
// calling coroutine's cancellation (a client that hangs up closes the upstream connection).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>
#include <string>

namespace agentd::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct Endpoint {
  bool tls = false;
  std::string host, port;
  std::string path;  // base path without a trailing slash ("/v1")
};
// "http://127.0.0.1:8081/v1" or "https://api.openai.com/v1"; throws std::invalid_argument.
Endpoint parse_endpoint(const std::string& base_url);

// Verifies servers against the system's CAs, or against those of `ca_file` (PEM: a private CA);
// throws std::runtime_error naming `setting` when the file cannot be loaded.
void verify_servers(net::ssl::context& tls, const std::string& ca_file, const std::string& setting);

struct ClientTimeouts {
  int connect_ms = 10'000;
  int read_ms = 60'000;  // longest silence while waiting for the header or the next bytes
};

class ClientConnection {
 public:
  ClientConnection(net::any_io_executor ex, net::ssl::context& tls, const Endpoint& endpoint, ClientTimeouts timeouts);
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  net::awaitable<void> connect();
  net::awaitable<void> send(bhttp::request<bhttp::string_body>& request);
  // Reads the response header; returns the status.
  net::awaitable<unsigned> read_header();
  // connect(), send() and read_header() in one: the status.
  net::awaitable<unsigned> exchange(bhttp::request<bhttp::string_body>& request);
  const bhttp::response<bhttp::string_body>& response() const { return parser_.get(); }
  // Appends the body bytes that arrived next to `out`; false (after appending any rest) once
  // the body is complete.
  net::awaitable<bool> read_some(std::string& out);
  net::awaitable<std::string> read_body();

 private:
  void arm(int ms);
  // Starts the same operation on whichever stream this connection has (TCP or TLS).
  template <class Op>
  auto on_stream(Op op) {
    return tls_ ? op(*tls_) : op(*plain_);
  }

  Endpoint endpoint_;
  ClientTimeouts timeouts_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
};

}  // namespace agentd::http

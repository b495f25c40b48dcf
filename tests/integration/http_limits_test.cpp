// Connection handling: deadlines for slow or half-sent requests, many idle connections, and
// graceful shutdown with a request in flight.
#include "harness.hpp"
#include "test_routes.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include <future>

using namespace agentd;
using namespace agentd::testing;
namespace net = boost::asio;
using tcp = net::ip::tcp;

TEST(HttpLimits, AHalfSentRequestIsClosedAtItsDeadline) {
  InProcessServer server([](Config& c) { c.http.idle_timeout_ms = 300; });
  const auto start = std::chrono::steady_clock::now();
  // Header never finished: the server must close, not wait forever.
  const std::string answer = raw_exchange(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\n", 10'000);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(answer, "");
  EXPECT_LT(elapsed, 5.0);
  EXPECT_GE(elapsed, 0.25);
}

TEST(HttpLimits, ABodyThatStopsArrivingIsClosedAtItsDeadline) {
  InProcessServer server([](Config& c) { c.http.request_timeout_ms = 300; });
  const auto start = std::chrono::steady_clock::now();
  raw_exchange(server.port(), "POST /api/external/credits HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", 10'000);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
}

TEST(HttpLimits, ThreeHundredIdleConnectionsDoNotBlockOthers) {
  InProcessServer server;
  net::io_context ioc;
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 300; ++i) {
    idle.emplace_back(ioc);
    idle.back().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    if (i % 2) net::write(idle.back(), net::buffer(std::string("GET /health HTTP/1.1\r\nHo")));
  }
  for (int i = 0; i < 50; ++i) {
    auto r = http_call(server.port(), "GET", "/health");
    ASSERT_EQ(r.status, 200);
  }
  std::size_t open = 0;
  server.on_io_thread([&] { open = server.app().server.connections(); });
  EXPECT_GE(open, 300u);
}

TEST(HttpLimits, KeepAliveServesManyRequestsOnOneConnection) {
  InProcessServer server;
  std::string pipelined;
  for (int i = 0; i < 3; ++i) pipelined += "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  pipelined += "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string out = raw_exchange(server.port(), pipelined);
  std::size_t count = 0;
  for (std::size_t p = out.find("HTTP/1.1 200"); p != std::string::npos; p = out.find("HTTP/1.1 200", p + 1)) ++count;
  EXPECT_EQ(count, 4u);
}

TEST(HttpLimits, GracefulShutdownFinishesTheRequestInFlight) {
  TestRoutes routes;
  auto server = std::make_unique<InProcessServer>(nullptr, nullptr, routes.installer());
  const unsigned short port = server->port();
  const std::string key = server->bootstrap_key();
  auto in_flight = std::async(std::launch::async, [&] {
    return http_call(port, "POST", "/api/external/test/gate", {{"X-API-Key", key}}, "{}");
  });
  ASSERT_TRUE(routes.wait_entered(1));
  std::atomic<bool> stopped{false};
  server->on_io_thread([&] { server->app().stop([&] { stopped = true; }); });
  // No new connections once stopping.
  net::io_context ioc;
  tcp::socket probe(ioc);
  boost::system::error_code ec;
  probe.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_TRUE(ec);
  EXPECT_FALSE(stopped.load());
  routes.open(*server);
  auto r = in_flight.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Connection"), "close");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!stopped.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_TRUE(stopped.load());
  server.reset();
}

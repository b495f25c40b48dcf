// Test-only routes installed into an in-process App: a billable POST, a POST that waits at a
// gate the test opens, and a GET that throws.
#pragma once

#include "harness.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace agentd::testing {

struct TestRoutes {
  std::atomic<int> billable_calls{0};
  std::atomic<int> gate_entered{0};
  // The gate's timer belongs to the server's io_context: the route owns it, so that it goes with
  // the server (a fixture declared before the server outlives its io_context).
  std::weak_ptr<boost::asio::steady_timer> gate;
  bool gate_open = false;

  std::function<void(App&)> installer() {
    return [this](App& app) {
      namespace net = boost::asio;
      auto timer = std::make_shared<net::steady_timer>(app.ioc, std::chrono::seconds(60));
      gate = timer;
      const api::Dialect* external = &app.dispatcher.dialects().owner("/api/external");
      auto estimate = [](const access::Call&) -> Micros { return 2'000; };
      app.dispatcher.add({.method = http::bhttp::verb::post, .pattern = "/api/external/test/billable", .dialect = external,
                          .scope = "orchestrator:invoke", .estimate = estimate,
                          .handler = [this](api::RequestContext& ctx) -> net::awaitable<http::Response> {
                            const int n = ++billable_calls;
                            co_return http::json_response(200, {{"call", n}, {"echo", ctx.request.body()}});
                          }});
      app.dispatcher.add({.method = http::bhttp::verb::post, .pattern = "/api/external/test/gate", .dialect = external,
                          .scope = "orchestrator:invoke", .estimate = estimate,
                          .handler = [this, timer](api::RequestContext&) -> net::awaitable<http::Response> {
                            ++gate_entered;
                            if (!gate_open) co_await timer->async_wait(net::as_tuple(net::use_awaitable));
                            co_return http::json_response(200, {{"passed", true}});
                          }});
      app.dispatcher.add({.method = http::bhttp::verb::get, .pattern = "/api/external/test/boom", .dialect = external,
                          .scope = "credits:read", .handler = [](api::RequestContext&) -> net::awaitable<http::Response> {
                            throw std::runtime_error("sqlite3.c:1234 secret internals");
                            co_return http::make_response(200, "");
                          }});
    };
  }

  void open(InProcessServer& server) {
    server.on_io_thread([this] {
      gate_open = true;
      if (auto timer = gate.lock()) timer->cancel();
    });
  }

  // Polls (with a deadline) until `n` requests wait at the gate.
  bool wait_entered(int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (gate_entered.load() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }
};

}  // namespace agentd::testing

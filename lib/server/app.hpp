// Everything one running server owns, built in dependency order. Both `agentd serve` and the
// integration tests construct an App; routes are registered by each dialect's adapter.
#pragma once

#include "access/key_cache.hpp"
#include "agents/sessions.hpp"
#include "access/rate_limiter.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/offload.hpp"
#include "db/store.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "jobs/scheduler.hpp"
#include "models/providers.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>

namespace agentd {

struct App {
  App(Config config, boost::asio::io_context& ioc, const Clock& clock);
  ~App();

  // Binds the listener and starts background loops (key cache, job scheduler); returns the port.
  // Job kinds are registered before this.
  unsigned short start();
  // Graceful stop: no new connections, in-flight requests finish until the grace deadline.
  void stop(std::function<void()> on_stopped);

  access::Limits limits_for(const access::KeyRecord& key, const std::string& plan) const;

  // One read or write transaction on the SQLite worker, as an awaitable. Like offload, use it in
  // two statements, never inside one co_await expression:
  //   auto work = app.read_db([captures](db::Conn& c) { ... });
  //   auto result = co_await std::move(work);
  template <class F>
  auto read_db(F fn) {
    return offload(pool, [this, fn = std::move(fn)]() mutable { return store.read(fn); });
  }
  template <class F>
  auto write_db(F fn) {
    return offload(pool, [this, fn = std::move(fn)]() mutable { return store.write(fn); });
  }

  Config config;
  boost::asio::io_context& ioc;
  const Clock& clock;
  boost::asio::thread_pool pool;      // SQLite statements
  boost::asio::thread_pool cpu_pool;  // extraction and other CPU-heavy work
  db::Store store;
  access::KeyCache keys;
  access::RateLimiter limiter;
  jobs::Scheduler jobs;
  models::Providers providers;
  agents::SessionActivity sessions;
  http::Metrics metrics;
  http::Router router;
  http::Server server;

 private:
  // WAL checkpoints every second on cpu_pool, off the request path (db::Store).
  void schedule_checkpoint();
  boost::asio::steady_timer checkpoint_timer_;
  std::atomic<bool> checkpoint_running_{false};
  bool stopping_ = false;
};

// Registers every route of every dialect.
void register_routes(App& app);

}  // namespace agentd

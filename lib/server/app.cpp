#include "server/app.hpp"

#include "access/credits.hpp"
#include "access/idempotency.hpp"
#include "access/pipeline.hpp"
#include "core/log.hpp"
#include "knowledge/indexer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

namespace agentd {
namespace net = boost::asio;

App::App(Config cfg, net::io_context& io, const Clock& clk)
    : config(std::move(cfg)),
      ioc(io),
      clock(clk),
      pool(static_cast<std::size_t>(std::max(1, config.worker_threads))),
      cpu_pool(static_cast<std::size_t>(std::max(1, config.cpu_threads))),
      store(config.data_dir, config.reader_connections),
      keys(store, pool, clock, config.key_cache_refresh_seconds),
      limiter(clock),
      jobs(io, store, pool, clock),
      providers(config),
      server(io, config.http, router, metrics, [this](http::RequestContext& ctx) { return access::run_pipeline(*this, ctx); }),
      checkpoint_timer_(io) {
  log::set_level(config.log_level);
  // Nothing in flight survives a restart: open reservations and running idempotency claims go.
  store.write([&](db::Conn& c) {
    access::release_all_reservations(c);
    access::purge_idempotency(c, clock.unix_seconds());
  });
  metrics.add_provider([this] { return jobs.metrics(); });
  knowledge::register_indexer(*this);
  register_routes(*this);
}

App::~App() {
  keys.stop();
  cpu_pool.join();
  pool.join();
}

unsigned short App::start() {
  const auto [host, port] = http::parse_listen(config.listen);
  const unsigned short bound = server.listen(host, port);
  server.start();
  keys.start(ioc);
  store.take_over_checkpoints();
  schedule_checkpoint();
  jobs.start();
  return bound;
}

void App::schedule_checkpoint() {
  checkpoint_timer_.expires_after(std::chrono::seconds(1));
  checkpoint_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    if (!checkpoint_running_.exchange(true))
      net::post(cpu_pool, [this] {
        try {
          store.checkpoint();
        } catch (const std::exception& e) {
          log::warn(std::string("WAL checkpoint failed: ") + e.what());
        }
        checkpoint_running_ = false;
      });
    schedule_checkpoint();
  });
}

void App::stop(std::function<void()> on_stopped) {
  stopping_ = true;
  checkpoint_timer_.cancel();
  server.begin_shutdown();
  keys.stop();
  // Jobs in flight keep their rows `running`; the next start puts them back to pending.
  jobs.stop();
  net::co_spawn(
      ioc,
      [this, on_stopped]() -> net::awaitable<void> {
        net::steady_timer timer(ioc);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.http.shutdown_grace_ms);
        while (server.connections() > 0 && std::chrono::steady_clock::now() < deadline) {
          timer.expires_after(std::chrono::milliseconds(20));
          co_await timer.async_wait(net::use_awaitable);
        }
        if (server.connections() > 0) {
          log::warn("shutdown grace period over; closing " + std::to_string(server.connections()) + " connections");
          server.force_close();
        }
        on_stopped();
      },
      net::detached);
}

access::Limits App::limits_for(const access::KeyRecord& key, const std::string& plan) const {
  access::Limits l;
  if (auto it = config.plans.find(plan); it != config.plans.end()) {
    l = {it->second.rpm, it->second.rph, it->second.concurrency};
  }
  if (key.rpm) l.rpm = *key.rpm;
  if (key.rph) l.rph = *key.rph;
  if (key.concurrency) l.concurrency = *key.concurrency;
  return l;
}

}  // namespace agentd

#include "server/app.hpp"

#include "access/credits.hpp"
#include "access/idempotency.hpp"
#include "agents/reminders.hpp"
#include "core/log.hpp"
#include "knowledge/indexer.hpp"

#include <boost/asio/co_spawn.hpp>

#include <filesystem>
#include <boost/asio/steady_timer.hpp>

namespace agentd {
namespace net = boost::asio;

namespace {

// Request bodies that go to disk are spooled under DATA_DIR/tmp, emptied at every start.
Config with_spool_dir(Config c) {
  if (c.http.body_spool_dir.empty()) c.http.body_spool_dir = (std::filesystem::path(c.data_dir) / "tmp").string();
  std::error_code ec;
  std::filesystem::remove_all(c.http.body_spool_dir, ec);
  std::filesystem::create_directories(c.http.body_spool_dir, ec);
  return c;
}

}  // namespace

App::App(Config cfg, net::io_context& io, const Clock& clk)
    : config(with_spool_dir(std::move(cfg))),
      ioc(io),
      clock(clk),
      pool(static_cast<std::size_t>(std::max(1, config.worker_threads))),
      writer_pool(1),
      cpu_pool(static_cast<std::size_t>(std::max(1, config.cpu_threads))),
      store(config.data_dir, config.reader_connections),
      db(store, pool, writer_pool),
      keys(store, pool, clock, config.key_cache_refresh_seconds),
      limiter(clock),
      gate(keys, limiter, db, clock, config, metrics),
      jobs(io, store, writer_pool, clock),
      providers(config),
      agents(db, clock),
      chat(agents::Runtime{db, providers, io.get_executor(), config.context, clock,
                                      [this](agents::ContentRequest r) { return content.tool_result(std::move(r)); }}, clock, sessions, config.prices),
      session_reads(db, sessions),
      knowledge(db, cpu_pool, config.data_dir, config.prices, clock, jobs),
      workspace(db, clock, chat),
      storage(config.data_dir),
      replicate(config.content.replicate),
      content(db, config.cpu_threads, storage, config.prices, clock, jobs, replicate),
      services{config, clock, db, cpu_pool, metrics, agents, chat, session_reads, knowledge, workspace, content, storage, providers},
      dispatcher(gate, config.http.default_body_limit),
      server(io, config.http, dispatcher, metrics),
      checkpoint_timer_(io),
      grace_timer_(io) {
  log::set_level(config.log_level);
  // Nothing in flight survives a restart: open reservations and running idempotency claims go.
  store.write([&](db::Conn& c) {
    access::release_all_reservations(c);
    access::purge_idempotency(c, clock.unix_seconds());
  });
  metrics.add_provider([this] { return jobs.metrics(); });
  knowledge::register_indexer(jobs, {db, cpu_pool, config.data_dir, clock});
  agents::register_reminders(jobs, db, clock);
  content.register_jobs();
  register_dialects(dispatcher, services);
}

App::~App() {
  keys.stop();
  cpu_pool.join();
  pool.join();
  writer_pool.join();
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
  keys.stop();
  // Jobs in flight keep their rows `running`; the next start puts them back to pending.
  jobs.stop();
  auto done = std::make_shared<std::function<void()>>(std::move(on_stopped));
  auto finish = [done] {
    if (*done) std::exchange(*done, {})();
  };
  // The last connection to end cancels the grace timer; if the grace period ends first, the
  // remaining connections are closed.
  server.begin_shutdown([this, finish] {
    grace_timer_.cancel();
    finish();
  });
  grace_timer_.expires_after(std::chrono::milliseconds(config.http.shutdown_grace_ms));
  grace_timer_.async_wait([this, finish](boost::system::error_code ec) {
    if (ec) return;
    log::warn("shutdown grace period over; closing " + std::to_string(server.connections()) + " connections");
    server.force_close();
    finish();
  });
}

}  // namespace agentd

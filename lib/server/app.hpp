// Everything one running server owns, built in dependency order: the composition root. Both
// `agentd serve` and the integration tests construct an App; the dialects register their
// routes on its dispatcher (server/routes.cpp).
#pragma once

#include "access/gate.hpp"
#include "access/key_cache.hpp"
#include "access/rate_limiter.hpp"
#include "agents/agent_service.hpp"
#include "agents/chat_turn.hpp"
#include "agents/session_service.hpp"
#include "agents/sessions.hpp"
#include "content/content_service.hpp"
#include "api/common/dispatcher.hpp"
#include "api/common/services.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "db/database.hpp"
#include "db/store.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "jobs/scheduler.hpp"
#include "knowledge/knowledge_service.hpp"
#include "models/providers.hpp"
#include "workspace/workspace_service.hpp"

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

  Config config;
  boost::asio::io_context& ioc;
  const Clock& clock;
  boost::asio::thread_pool pool;      // SQLite reads
  // SQLite write transactions, one at a time (the store has one writer): a write waiting for the
  // writer (an upload's chunks take milliseconds) never holds a thread that reads wait for.
  boost::asio::thread_pool writer_pool;
  boost::asio::thread_pool cpu_pool;  // extraction and other CPU-heavy work
  db::Store store;
  db::Database db;
  access::KeyCache keys;
  access::RateLimiter limiter;
  http::Metrics metrics;
  access::Gate gate;
  jobs::Scheduler jobs;
  models::Providers providers;
  agents::SessionActivity sessions;
  agents::AgentService agents;
  agents::ChatTurns chat;
  agents::SessionService session_reads;
  knowledge::KnowledgeService knowledge;
  workspace::WorkspaceService workspace;
  content::Storage storage;
  content::ReplicateClient replicate;
  content::ContentService content;
  api::Services services;
  api::Dispatcher dispatcher;
  http::Server server;

 private:
  // WAL checkpoints every second on cpu_pool, off the request path (db::Store).
  void schedule_checkpoint();
  boost::asio::steady_timer checkpoint_timer_;
  boost::asio::steady_timer grace_timer_;
  std::atomic<bool> checkpoint_running_{false};
  bool stopping_ = false;
};

// Registers every dialect and its routes.
void register_dialects(api::Dispatcher& dispatcher, const api::Services& services);

}  // namespace agentd

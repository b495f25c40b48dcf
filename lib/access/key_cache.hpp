// In-memory cache of API keys by SHA-256, owned by the io thread. A refresh loop re-reads every
// cached key from SQLite every `refresh_seconds` (0.5 s by default), so a key revoked by another
// process (`agentd admin key revoke`) stops working within a second; the same loop writes
// last_used_at in one batch instead of one write per request.
#pragma once

#include "access/keys.hpp"
#include "core/clock.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <string>
#include <unordered_map>

namespace agentd::db { class Store; }

namespace agentd::access {

class KeyCache {
 public:
  KeyCache(db::Store& store, boost::asio::thread_pool& pool, const Clock& clock, double refresh_seconds);

  // The usable key for this secret, or nullptr (unknown, revoked or expired).
  boost::asio::awaitable<std::shared_ptr<const KeyRecord>> authenticate(std::string_view secret);
  void start(boost::asio::io_context& ioc);
  void stop();
  // One refresh pass (what the loop does): reload cached keys and flush last_used_at.
  boost::asio::awaitable<void> refresh();

 private:
  struct Entry {
    std::shared_ptr<const KeyRecord> key;  // null: no such key (a short-lived negative entry)
    double loaded_at = 0;
    bool used = false;
  };
  static std::string map_key(const KeyHash& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }
  boost::asio::awaitable<void> loop();

  db::Store& store_;
  boost::asio::thread_pool& pool_;
  const Clock& clock_;
  double refresh_seconds_;
  std::unordered_map<std::string, Entry> entries_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool stopped_ = false;
};

}  // namespace agentd::access

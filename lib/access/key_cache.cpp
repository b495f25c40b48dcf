#include "access/key_cache.hpp"

#include "core/log.hpp"
#include "core/offload.hpp"
#include "db/store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>

namespace agentd::access {
namespace net = boost::asio;

namespace {
constexpr std::size_t kMaxNegativeEntries = 10'000;
}

KeyCache::KeyCache(db::Store& store, net::thread_pool& pool, const Clock& clock, double refresh_seconds)
    : store_(store), pool_(pool), clock_(clock), refresh_seconds_(refresh_seconds) {}

net::awaitable<std::shared_ptr<const KeyRecord>> KeyCache::authenticate(std::string_view secret) {
  const KeyHash hash = hash_key(secret);
  const std::string mk = map_key(hash);
  auto it = entries_.find(mk);
  if (it == entries_.end() || (!it->second.key && clock_.mono_seconds() - it->second.loaded_at > refresh_seconds_)) {
    auto loading = offload(pool_, [this, hash] {
      return store_.read([&](db::Conn& c) { return load_key_by_hash(c, hash); });
    });
    auto loaded = co_await std::move(loading);
    if (!loaded && entries_.size() >= kMaxNegativeEntries) co_return nullptr;
    Entry e;
    if (loaded) e.key = std::make_shared<const KeyRecord>(std::move(*loaded));
    e.loaded_at = clock_.mono_seconds();
    it = entries_.insert_or_assign(mk, std::move(e)).first;
  }
  Entry& e = it->second;
  if (!e.key || !e.key->usable_at(clock_.unix_seconds())) co_return nullptr;
  e.used = true;
  co_return e.key;
}

net::awaitable<void> KeyCache::refresh() {
  std::vector<KeyHash> hashes;
  std::vector<std::string> used_ids;
  for (auto& [mk, e] : entries_) {
    if (!e.key) continue;
    hashes.push_back(e.key->hash);
    if (e.used) used_ids.push_back(e.key->id);
    e.used = false;
  }
  // Negative entries age out so that a key created elsewhere is found on its next use.
  const double now = clock_.mono_seconds();
  std::erase_if(entries_, [&](const auto& kv) { return !kv.second.key && now - kv.second.loaded_at > refresh_seconds_; });
  if (hashes.empty()) co_return;
  auto reloading = offload(pool_, [this, hashes = std::move(hashes), used_ids = std::move(used_ids)] {
    if (!used_ids.empty()) {
      store_.write([&](db::Conn& c) {
        const std::string now = now_iso8601();
        for (const auto& id : used_ids) {
          auto& upd = c.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?");
          upd.bind(1, now);
          upd.bind(2, id);
          upd.exec();
        }
      });
    }
    return store_.read([&](db::Conn& c) {
      std::vector<std::pair<KeyHash, std::optional<KeyRecord>>> out;
      for (const auto& h : hashes) out.emplace_back(h, load_key_by_hash(c, h));
      return out;
    });
  });
  auto reloaded = co_await std::move(reloading);
  for (auto& [hash, rec] : reloaded) {
    auto it = entries_.find(map_key(hash));
    if (it == entries_.end()) continue;
    if (rec) {
      it->second.key = std::make_shared<const KeyRecord>(std::move(*rec));
    } else {
      it->second.key = nullptr;
    }
    it->second.loaded_at = clock_.mono_seconds();
  }
}

net::awaitable<void> KeyCache::loop() {
  while (!stopped_) {
    timer_->expires_after(std::chrono::milliseconds(static_cast<int>(refresh_seconds_ * 1000)));
    boost::system::error_code ec;
    co_await timer_->async_wait(net::redirect_error(net::use_awaitable, ec));
    if (stopped_) break;
    try {
      co_await refresh();
    } catch (const std::exception& ex) {
      log::warn(std::string("key cache refresh failed: ") + ex.what());
    }
  }
}

void KeyCache::start(net::io_context& ioc) {
  timer_ = std::make_unique<net::steady_timer>(ioc);
  net::co_spawn(ioc, loop(), [](std::exception_ptr ep) {
    if (ep) log::error("key cache loop ended with an exception");
  });
}

void KeyCache::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
}

}  // namespace agentd::access

#include "db/store.hpp"

#include "db/migrations.hpp"

#include <algorithm>
#include <filesystem>

namespace agentd::db {

Conn::Conn(const std::string& path, bool read_only)
    : db_(path, read_only ? SQLite::OPEN_READONLY : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE)) {
  db_.setBusyTimeout(5000);
  if (!read_only) {
    db_.exec("PRAGMA journal_mode=WAL");
  }
  db_.exec("PRAGMA synchronous=NORMAL");
  db_.exec("PRAGMA foreign_keys=ON");
}

SQLite::Statement& Conn::prepare(const std::string& sql) {
  auto it = index_.find(sql);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    auto& stmt = *it->second->second;
    stmt.reset();
    stmt.clearBindings();
    used_.push_back(&stmt);
    return stmt;
  }
  // Evict only statements that are not in use in the current transaction.
  if (lru_.size() >= kCacheSize && used_.size() < kCacheSize / 2) {
    auto victim = std::prev(lru_.end());
    while (std::find(used_.begin(), used_.end(), victim->second.get()) != used_.end()) --victim;
    index_.erase(victim->first);
    lru_.erase(victim);
  }
  lru_.emplace_front(sql, std::make_unique<SQLite::Statement>(db_, sql));
  index_[sql] = lru_.begin();
  used_.push_back(lru_.front().second.get());
  return *lru_.front().second;
}

void Conn::reset_used() {
  for (auto* stmt : used_) stmt->tryReset();
  used_.clear();
}

Tx::~Tx() {
  if (done_) return;
  try {
    conn_.prepare("ROLLBACK").exec();
  } catch (...) {
    // The transaction is gone already (SQLite rolled it back itself).
  }
}

void Tx::commit() {
  conn_.prepare("COMMIT").exec();
  done_ = true;
}

void Store::take_over_checkpoints() {
  std::lock_guard lock(writer_mutex_);
  writer_->exec("PRAGMA wal_autocheckpoint=0");
}

void Store::checkpoint() {
  std::lock_guard lock(checkpoint_mutex_);
  if (!checkpointer_) checkpointer_ = std::make_unique<Conn>(path_, false);
  checkpointer_->exec("PRAGMA wal_checkpoint(PASSIVE)");
}

Store::Store(const std::string& data_dir, int reader_connections) {
  std::filesystem::create_directories(data_dir);
  path_ = (std::filesystem::path(data_dir) / "agentd.db").string();
  writer_ = std::make_unique<Conn>(path_, false);
  migrate(writer_->raw(), builtin_migrations());
  for (int i = 0; i < std::max(1, reader_connections); ++i) readers_.push_back(std::make_unique<Conn>(path_, true));
}

Store::Lease::Lease(Store& s) : store(s) {
  std::unique_lock lock(s.readers_mutex_);
  s.readers_cv_.wait(lock, [&] { return !s.readers_.empty(); });
  conn = std::move(s.readers_.back());
  s.readers_.pop_back();
}

Store::Lease::~Lease() {
  {
    std::lock_guard lock(store.readers_mutex_);
    store.readers_.push_back(std::move(conn));
  }
  store.readers_cv_.notify_one();
}

}  // namespace agentd::db

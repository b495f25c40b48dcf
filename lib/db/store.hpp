// The SQLite store: one writer connection (every write in BEGIN IMMEDIATE) and a pool of
// read-only connections, all in WAL mode. Its calls block, so they run on the worker pool
// (see core/offload.hpp), never on the io thread.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace agentd::db {

// One connection with an LRU cache of prepared statements keyed by SQL text.
class Conn {
 public:
  Conn(const std::string& path, bool read_only);
  // A prepared statement, reset and with its bindings cleared. Do not hold two references to
  // the same SQL text at once.
  SQLite::Statement& prepare(const std::string& sql);
  void exec(const std::string& sql) { db_.exec(sql); }
  SQLite::Database& raw() { return db_; }
  std::int64_t last_insert_rowid() const { return db_.getLastInsertRowid(); }
  // Resets the statements used since the last call. A statement left mid-result keeps the
  // connection's read snapshot open past COMMIT, so every transaction ends with this.
  void reset_used();
  // True the first time it is asked for `key` on this connection: for setting up what SQLite
  // keeps per connection (a function a higher layer registers), once.
  bool first_time(const void* key) { return set_up_.insert(key).second; }

 private:
  static constexpr std::size_t kCacheSize = 64;
  SQLite::Database db_;
  std::list<std::pair<std::string, std::unique_ptr<SQLite::Statement>>> lru_;
  std::unordered_map<std::string, decltype(lru_)::iterator> index_;
  std::vector<SQLite::Statement*> used_;
  std::unordered_set<const void*> set_up_;
};

// A transaction whose BEGIN/COMMIT/ROLLBACK are cached statements; rolls back unless committed.
class Tx {
 public:
  Tx(Conn& conn, const char* begin) : conn_(conn) { conn_.prepare(begin).exec(); }
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;
  ~Tx();
  void commit();

 private:
  Conn& conn_;
  bool done_ = false;
};

class Store {
 public:
  // Opens (creating if needed) data_dir/agentd.db and applies pending migrations.
  Store(const std::string& data_dir, int reader_connections);

  // Runs fn(Conn&) in BEGIN IMMEDIATE ... COMMIT on the writer; rolls back if fn throws.
  template <class F>
  auto write(F&& fn) -> decltype(fn(std::declval<Conn&>())) {
    std::lock_guard lock(writer_mutex_);
    ResetGuard reset{*writer_};
    Tx tx(*writer_, "BEGIN IMMEDIATE");
    if constexpr (std::is_void_v<decltype(fn(std::declval<Conn&>()))>) {
      fn(*writer_);
      tx.commit();
    } else {
      auto result = fn(*writer_);
      tx.commit();
      return result;
    }
  }

  // From now on this process checkpoints the WAL itself, by calling checkpoint() off the request
  // path, instead of SQLite doing it inside whichever commit crosses 1,000 pages (an fsync that
  // stalled that request by ~10 ms).
  void take_over_checkpoints();
  // A passive checkpoint on a connection of its own: never blocks readers or the writer.
  void checkpoint();

  // Runs fn(Conn&) on a reader inside one read transaction (a consistent snapshot).
  template <class F>
  auto read(F&& fn) -> decltype(fn(std::declval<Conn&>())) {
    Lease lease(*this);
    ResetGuard reset{*lease.conn};
    Tx tx(*lease.conn, "BEGIN");
    if constexpr (std::is_void_v<decltype(fn(std::declval<Conn&>()))>) {
      fn(*lease.conn);
      tx.commit();
    } else {
      auto result = fn(*lease.conn);
      tx.commit();
      return result;
    }
  }

 private:
  struct ResetGuard {
    Conn& conn;
    ~ResetGuard() { conn.reset_used(); }
  };
  struct Lease {
    explicit Lease(Store& s);
    ~Lease();
    Store& store;
    std::unique_ptr<Conn> conn;
  };

  std::string path_;
  std::mutex writer_mutex_;
  std::unique_ptr<Conn> writer_;
  std::mutex checkpoint_mutex_;
  std::unique_ptr<Conn> checkpointer_;
  std::mutex readers_mutex_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Conn>> readers_;
};

}  // namespace agentd::db

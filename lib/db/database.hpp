// The store as services use it from the io thread: each read or write transaction runs on the
// worker pool and the coroutine resumes on its own executor. Like offload, use it in two
// statements, never inside one co_await expression:
//   auto work = db.read([captures](db::Conn& c) { ... });
//   auto result = co_await std::move(work);
#pragma once

#include "core/offload.hpp"
#include "db/store.hpp"

namespace agentd::db {

class Database {
 public:
  Database(Store& store, boost::asio::thread_pool& pool) : store_(store), pool_(pool) {}

  template <class F>
  auto read(F fn) {
    return offload(pool_, [this, fn = std::move(fn)]() mutable { return store_.read(fn); });
  }
  template <class F>
  auto write(F fn) {
    return offload(pool_, [this, fn = std::move(fn)]() mutable { return store_.write(fn); });
  }
  Store& store() { return store_; }
  boost::asio::thread_pool& pool() { return pool_; }

 private:
  Store& store_;
  boost::asio::thread_pool& pool_;
};

}  // namespace agentd::db

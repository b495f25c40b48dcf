// The store as services use it from the io thread: each read transaction runs on the worker
// pool, each write on the writer's own thread, and the coroutine resumes on its own executor.
// Writes have a thread of their own so that one waiting for the store's single writer (behind an
// upload's chunks, milliseconds) never holds a thread that reads queue for. Like offload, use it in two
// statements, never inside one co_await expression:
//   auto work = db.read([captures](db::Conn& c) { ... });
//   auto result = co_await std::move(work);
#pragma once

#include "core/offload.hpp"
#include "db/store.hpp"

namespace agentd::db {

class Database {
 public:
  Database(Store& store, boost::asio::thread_pool& pool, boost::asio::thread_pool& writer)
      : store_(store), pool_(pool), writer_(writer) {}

  template <class F>
  auto read(F fn) {
    return offload(pool_, [this, fn = std::move(fn)]() mutable { return store_.read(fn); });
  }
  template <class F>
  auto write(F fn) {
    return offload(writer_, [this, fn = std::move(fn)]() mutable { return store_.write(fn); });
  }
  Store& store() { return store_; }
  boost::asio::thread_pool& pool() { return pool_; }

 private:
  Store& store_;
  boost::asio::thread_pool& pool_;
  boost::asio::thread_pool& writer_;
};

}  // namespace agentd::db

// Runs blocking work (SQLite, files, CPU-heavy extraction) on the worker pool and resumes the
// calling coroutine on its own executor (the io thread) with the result or the exception.
//
// Use it in two statements, never inside one co_await expression:
//   auto work = offload(pool, [captures] { ... });
//   auto result = co_await std::move(work);
// GCC 12 destroys temporaries of a co_await full-expression twice (a lambda capturing a string
// passed straight into `co_await offload(...)` is freed twice).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>

namespace agentd {

// Deliberately not a coroutine itself: co_spawn keeps the callable alive in its own frame (a
// coroutine taking `fn` by value and moving it on trips GCC 12 into destroying it twice).
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> offload(boost::asio::thread_pool& pool, F fn) {
  using R = std::invoke_result_t<F&>;
  return boost::asio::co_spawn(
      pool.get_executor(), [fn = std::move(fn)]() mutable -> boost::asio::awaitable<R> { co_return fn(); },
      boost::asio::use_awaitable);
}

}  // namespace agentd

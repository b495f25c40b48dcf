// Runs blocking work (SQLite, files, CPU-heavy extraction) on the worker pool and resumes the
// calling coroutine on its own executor (the io thread) with the result or the exception.
//
// Use it in two statements, never inside one co_await expression:
//   auto work = offload(pool, [captures] { ... });
//   auto result = co_await std::move(work);
// GCC 12 destroys temporaries of a co_await full-expression twice (a lambda capturing a string
// passed straight into `co_await offload(...)` is freed twice).
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <type_traits>

namespace agentd {

template <class R>
struct offload_signature {
  using type = void(std::exception_ptr, R);
};
template <>
struct offload_signature<void> {
  using type = void(std::exception_ptr);
};

template <class F>
auto offload(boost::asio::thread_pool& pool, F fn) {
  namespace net = boost::asio;
  using R = std::invoke_result_t<F&>;
  using Signature = typename offload_signature<R>::type;
  // A plain post there and back: no coroutine frame per hop.
  return net::async_initiate<const net::use_awaitable_t<>, Signature>(
      [&pool](auto handler, F work) {
        net::post(pool, [handler = std::move(handler), work = std::move(work)]() mutable {
          auto home = net::get_associated_executor(handler);
          std::exception_ptr error;
          if constexpr (std::is_void_v<R>) {
            try {
              work();
            } catch (...) {
              error = std::current_exception();
            }
            net::post(home, [handler = std::move(handler), error]() mutable { std::move(handler)(error); });
          } else {
            static_assert(std::is_default_constructible_v<R>, "offloaded results must be default-constructible");
            std::optional<R> result;
            try {
              result.emplace(work());
            } catch (...) {
              error = std::current_exception();
            }
            net::post(home, [handler = std::move(handler), error, result = std::move(result)]() mutable {
              std::move(handler)(error, result ? std::move(*result) : R{});
            });
          }
        });
      },
      net::use_awaitable, std::move(fn));
}

}  // namespace agentd

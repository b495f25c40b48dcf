#include "http/event_stream.hpp"

#include "core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>

namespace agentd::http {
namespace {
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxUnreadBytes = 64 * 1024;  // what a client may send while we stream
}  // namespace

ConnectionEventStream::ConnectionEventStream(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                             const HttpLimits& limits, Metrics& metrics, const RequestContext& ctx,
                                             bool keep_alive)
    : stream_(stream), buffer_(buffer), limits_(limits), metrics_(metrics), ctx_(ctx), keep_alive_(keep_alive),
      wake_writer_(stream.get_executor()), space_(stream.get_executor()), exited_(stream.get_executor()) {}

ConnectionEventStream::~ConnectionEventStream() {
  if (opened_) metrics_.stream_closed();
}

net::awaitable<void> ConnectionEventStream::wait_on(net::steady_timer& timer) {
  timer.expires_at(net::steady_timer::time_point::max());
  auto waiting = timer.async_wait(tuple_awaitable);
  co_await std::move(waiting);
}

void ConnectionEventStream::client_left() {
  if (gone_) return;
  gone_ = true;
  hangup_.emit(net::cancellation_type::terminal);
  space_.cancel();
  wake_writer_.cancel();
}

net::awaitable<void> ConnectionEventStream::open(Response& head) {
  for (const auto& [name, value] : ctx_.response_headers) head.set(name, value);
  head.set("X-Request-Id", ctx_.request_id);
  head.set(bhttp::field::content_type, "text/event-stream");
  head.set(bhttp::field::cache_control, "no-cache");
  head.set("X-Accel-Buffering", "no");
  head.keep_alive(keep_alive_);
  head.chunked(true);
  head.body().clear();
  bhttp::response_serializer<bhttp::string_body> serializer(head);
  stream_.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
  auto writing = bhttp::async_write_header(stream_, serializer, tuple_awaitable);
  auto [ec, n] = co_await std::move(writing);
  stream_.expires_never();
  opened_ = true;
  metrics_.stream_opened();
  if (ec) {
    client_left();
    co_return;
  }
  auto ex = stream_.get_executor();
  writer_running_ = watcher_running_ = true;
  auto done = [this](bool& running) {
    return [this, &running](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error(std::string("event stream helper failed: ") + ex.what());
        }
      }
      running = false;
      exited_.cancel();
    };
  };
  net::co_spawn(ex, write_loop(), done(writer_running_));
  net::co_spawn(ex, watch_loop(), done(watcher_running_));
}

net::awaitable<bool> ConnectionEventStream::send(std::string event) {
  while (!gone_ && head_ < queue_.size() && queued_bytes_ + event.size() > limits_.sse_queue_bytes) {
    auto waiting = wait_on(space_);
    co_await std::move(waiting);
  }
  if (gone_) co_return false;
  queued_bytes_ += event.size();
  queue_.push_back(std::move(event));
  wake_writer_.cancel();
  co_return true;
}

net::awaitable<void> ConnectionEventStream::write_loop() {
  for (;;) {
    if (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
      if (finishing_ || gone_) break;
      wake_writer_.expires_after(std::chrono::milliseconds(limits_.sse_heartbeat_ms));
      auto waiting = wake_writer_.async_wait(tuple_awaitable);
      auto [ec] = co_await std::move(waiting);
      // A quiet interval: a comment line keeps proxies and clients from timing out.
      if (!ec && head_ == queue_.size() && !finishing_ && !gone_) queue_.push_back(": ping\n\n");
      else continue;
    }
    std::string event = std::move(queue_[head_++]);
    queued_bytes_ -= std::min(queued_bytes_, event.size());
    space_.cancel();
    stream_.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
    auto writing = net::async_write(stream_, bhttp::make_chunk(net::buffer(event)), tuple_awaitable);
    auto [ec, n] = co_await std::move(writing);
    stream_.expires_never();
    if (ec) {
      client_left();
      break;
    }
  }
}

net::awaitable<void> ConnectionEventStream::watch_loop() {
  // Anything the client sends now stays in the connection's buffer for its next request.
  while (buffer_.size() < kMaxUnreadBytes) {
    // Small reads: this only has to notice the end of the connection, and a larger prepare
    // would grow every streaming connection's buffer.
    auto reading = stream_.async_read_some(buffer_.prepare(256), tuple_awaitable);
    auto [ec, n] = co_await std::move(reading);
    if (ec) {
      if (!finishing_) client_left();
      break;
    }
    buffer_.commit(n);
  }
}

net::awaitable<void> ConnectionEventStream::finish() {
  if (!opened_) co_return;
  finishing_ = true;
  wake_writer_.cancel();
  while (writer_running_) {
    auto waiting = wait_on(exited_);
    co_await std::move(waiting);
  }
  if (!gone_) {
    stream_.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
    auto writing = net::async_write(stream_, bhttp::make_chunk_last(), tuple_awaitable);
    auto [ec, n] = co_await std::move(writing);
    if (ec) gone_ = true;
  }
  boost::system::error_code ignored;
  stream_.socket().cancel(ignored);  // ends the pending read
  while (watcher_running_) {
    auto waiting = wait_on(exited_);
    co_await std::move(waiting);
  }
  stream_.expires_never();
}

}  // namespace agentd::http

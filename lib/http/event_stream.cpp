#include "http/event_stream.hpp"

#include "core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>

namespace agentd::http {
namespace {
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxUnreadBytes = 64 * 1024;  // what a client may send while we stream
}  // namespace

ConnectionEventStream::ConnectionEventStream(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                             const HttpLimits& limits, Metrics& metrics, std::string request_id,
                                             bool keep_alive)
    : stream_(stream), buffer_(buffer), limits_(limits), metrics_(metrics), request_id_(std::move(request_id)), keep_alive_(keep_alive),
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
  pump();
}

net::awaitable<void> ConnectionEventStream::open(Response& head) {
  head.set("X-Request-Id", request_id_);
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
  writer_running_ = watcher_running_ = true;
  watch();
  pump();
}

net::awaitable<bool> ConnectionEventStream::send(std::string event) {
  while (!gone_ && head_ < queue_.size() && queued_bytes_ + event.size() > limits_.sse_queue_bytes) {
    auto waiting = wait_on(space_);
    co_await std::move(waiting);
  }
  if (gone_) co_return false;
  queued_bytes_ += event.size();
  queue_.push_back(std::move(event));
  pump();
  co_return true;
}

// The writer, as a chain of callbacks (a coroutine per stream costs more memory): one write at
// a time; when idle, a heartbeat wait that a new event cuts short.
void ConnectionEventStream::pump() {
  if (writing_) return;
  if (head_ < queue_.size() && !gone_) {
    if (waiting_) {
      wake_writer_.cancel();  // its callback pumps again
      return;
    }
    writing_ = true;
    current_ = std::move(queue_[head_++]);
    queued_bytes_ -= std::min(queued_bytes_, current_.size());
    if (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
    }
    space_.cancel();
    stream_.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
    net::async_write(stream_, bhttp::make_chunk(net::buffer(current_)), [this](boost::system::error_code ec, std::size_t) {
      writing_ = false;
      stream_.expires_never();
      if (ec) client_left();
      pump();
    });
    return;
  }
  if (finishing_ || gone_) {
    if (waiting_) wake_writer_.cancel();
    else if (writer_running_) {
      writer_running_ = false;
      exited_.cancel();
    }
    return;
  }
  if (waiting_) return;
  waiting_ = true;
  wake_writer_.expires_after(std::chrono::milliseconds(limits_.sse_heartbeat_ms));
  wake_writer_.async_wait([this](boost::system::error_code ec) {
    waiting_ = false;
    // A quiet interval: a comment line keeps proxies and clients from timing out.
    if (!ec && head_ == queue_.size() && !finishing_ && !gone_) queue_.push_back(": ping\n\n");
    pump();
  });
}

// A pending read notices the client leaving. Small reads: anything the client sends meanwhile
// stays in the connection's buffer for its next request.
void ConnectionEventStream::watch() {
  if (buffer_.size() >= kMaxUnreadBytes) {
    watcher_running_ = false;
    return;
  }
  stream_.socket().async_read_some(buffer_.prepare(256), [this](boost::system::error_code ec, std::size_t n) {
    if (ec) {
      if (!finishing_) client_left();
      watcher_running_ = false;
      exited_.cancel();
      return;
    }
    buffer_.commit(n);
    watch();
  });
}

net::awaitable<void> ConnectionEventStream::finish() {
  if (!opened_) co_return;
  finishing_ = true;
  pump();
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

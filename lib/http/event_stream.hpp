// The server's EventStream on one connection: a bounded queue of events drained by a writer
// (one chunk per event, ": ping" after a quiet heartbeat interval, a write deadline per chunk)
// and a pending read that notices the client leaving. Lives in the connection's
// coroutine for one request; finish() flushes, ends the chunked body and stops both helpers.
#pragma once

#include "core/config.hpp"
#include "http/metrics.hpp"
#include "http/types.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <vector>

namespace agentd::http {

class ConnectionEventStream final : public EventStream {
 public:
  ConnectionEventStream(beast::tcp_stream& stream, beast::flat_buffer& buffer, const HttpLimits& limits,
                        Metrics& metrics, std::string request_id, bool keep_alive);
  ~ConnectionEventStream() override;

  net::awaitable<void> open(Response& head) override;
  net::awaitable<bool> send(std::string event) override;
  bool client_gone() const override { return gone_; }
  net::cancellation_slot hangup_slot() override { return hangup_.slot(); }

  bool opened() const override { return opened_; }
  // After the handler returned: sends what is queued and the last chunk.
  net::awaitable<void> finish();

 private:
  void pump();
  void watch();
  void client_left();
  net::awaitable<void> wait_on(net::steady_timer& timer);

  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  const HttpLimits& limits_;
  Metrics& metrics_;
  std::string request_id_;
  bool keep_alive_;
  // Unsent events from head_ on (a deque would allocate a block per idle stream).
  std::vector<std::string> queue_;
  std::size_t head_ = 0;
  std::size_t queued_bytes_ = 0;
  net::steady_timer wake_writer_;  // timers used as events: cancel() wakes the waiter
  net::steady_timer space_;
  net::steady_timer exited_;
  net::cancellation_signal hangup_;
  bool opened_ = false, gone_ = false, finishing_ = false;
  std::string current_;  // the event being written
  bool writing_ = false, waiting_ = false;
  bool writer_running_ = false, watcher_running_ = false;
};

}  // namespace agentd::http

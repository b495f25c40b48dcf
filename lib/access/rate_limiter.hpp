// Per-key rate limiting: a minute and an hour token bucket (capacity = limit, continuous refill)
// and a concurrency count. Owned by the io thread: no locks. The clock is injected.
#pragma once

#include "core/clock.hpp"

#include <memory>
#include <string>
#include <unordered_map>

namespace agentd::access {

struct Limits {
  int rpm = 0;
  int rph = 0;
  int concurrency = 0;
};

class TokenBucket {
 public:
  TokenBucket(double capacity, double window_seconds, double now);
  // Adjusts to a new capacity (an operator changed the key's limit) keeping the tokens held.
  void resize(double capacity, double now);
  void refill(double now);
  // Admits at tokens >= 1 (not > 1).
  bool has_token() const { return tokens_ >= 1.0; }
  void take() { tokens_ -= 1.0; }
  double tokens() const { return tokens_; }
  double capacity() const { return capacity_; }
  double seconds_until_token() const;
  double seconds_until_full() const;

 private:
  double capacity_;
  double window_;
  double tokens_;
  double last_;
};

struct WindowState {
  int limit = 0;
  int remaining = 0;
  long long reset_unix = 0;  // when the bucket is full again, rounded up
};

struct LimitSnapshot {
  WindowState minute, hour;
};

class RateLimiter;

// Holds one concurrency slot until destroyed (a streaming response keeps it until the stream ends).
class ConcurrencySlot {
 public:
  ConcurrencySlot() = default;
  ConcurrencySlot(ConcurrencySlot&& o) noexcept : count_(std::exchange(o.count_, nullptr)) {}
  ConcurrencySlot& operator=(ConcurrencySlot&& o) noexcept {
    release();
    count_ = std::exchange(o.count_, nullptr);
    return *this;
  }
  ~ConcurrencySlot() { release(); }
  void release() {
    if (count_) --*count_;
    count_ = nullptr;
  }

 private:
  friend class RateLimiter;
  explicit ConcurrencySlot(std::shared_ptr<int> count) : count_(std::move(count)) { ++*count_; }
  std::shared_ptr<int> count_;
};

struct Admission {
  enum class Outcome { admitted, rate_limited, concurrency_limited } outcome = Outcome::admitted;
  int retry_after = 0;       // whole seconds, at least 1 when refused
  int limit = 0;             // the limit that refused
  const char* window = "";   // "minute" | "hour" for rate_limited
  LimitSnapshot snapshot;    // for the X-RateLimit-* headers
  ConcurrencySlot slot;      // held when admitted
};

class RateLimiter {
 public:
  explicit RateLimiter(const Clock& clock) : clock_(clock) {}
  // Takes one token from each bucket and one concurrency slot, or none of them.
  Admission admit(const std::string& key_id, const Limits& limits);
  // Current state without taking anything (for responses refused before the limiter).
  LimitSnapshot peek(const std::string& key_id, const Limits& limits);
  int in_flight(const std::string& key_id) const;

 private:
  struct State {
    TokenBucket minute, hour;
    std::shared_ptr<int> active = std::make_shared<int>(0);
  };
  State& state(const std::string& key_id, const Limits& limits, double now);
  LimitSnapshot snapshot(const State& s) const;

  const Clock& clock_;
  std::unordered_map<std::string, State> states_;
};

}  // namespace agentd::access

#include "access/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace agentd::access {
namespace {
// Whole seconds, rounded up, ignoring floating-point noise below a microsecond.
long long ceil_seconds(double s) { return static_cast<long long>(std::ceil(s - 1e-6)); }
}  // namespace

TokenBucket::TokenBucket(double capacity, double window_seconds, double now)
    : capacity_(capacity), window_(window_seconds), tokens_(capacity), last_(now) {}

void TokenBucket::resize(double capacity, double now) {
  refill(now);
  capacity_ = capacity;
  tokens_ = std::min(tokens_, capacity_);
}

void TokenBucket::refill(double now) {
  if (now > last_) {
    tokens_ = std::min(capacity_, tokens_ + (now - last_) * capacity_ / window_);
    last_ = now;
  }
}

double TokenBucket::seconds_until_token() const {
  if (tokens_ >= 1.0 || capacity_ <= 0) return 0;
  return (1.0 - tokens_) * window_ / capacity_;
}

double TokenBucket::seconds_until_full() const {
  if (capacity_ <= 0) return 0;
  return (capacity_ - tokens_) * window_ / capacity_;
}

RateLimiter::State& RateLimiter::state(const std::string& key_id, const Limits& limits, double now) {
  auto it = states_.find(key_id);
  if (it == states_.end()) {
    it = states_.emplace(key_id, State{TokenBucket(limits.rpm, 60, now), TokenBucket(limits.rph, 3600, now)}).first;
  }
  State& s = it->second;
  if (s.minute.capacity() != limits.rpm) s.minute.resize(limits.rpm, now);
  if (s.hour.capacity() != limits.rph) s.hour.resize(limits.rph, now);
  s.minute.refill(now);
  s.hour.refill(now);
  return s;
}

LimitSnapshot RateLimiter::snapshot(const State& s) const {
  const double unix_now = clock_.unix_seconds();
  auto window = [&](const TokenBucket& b) {
    WindowState w;
    w.limit = static_cast<int>(b.capacity());
    w.remaining = std::max(0, static_cast<int>(std::floor(b.tokens())));
    w.reset_unix = ceil_seconds(unix_now + b.seconds_until_full());
    return w;
  };
  return {window(s.minute), window(s.hour)};
}

Admission RateLimiter::admit(const std::string& key_id, const Limits& limits) {
  State& s = state(key_id, limits, clock_.mono_seconds());
  Admission a;
  const TokenBucket* refusing = !s.minute.has_token() ? &s.minute : !s.hour.has_token() ? &s.hour : nullptr;
  if (refusing) {
    a.outcome = Admission::Outcome::rate_limited;
    a.window = refusing == &s.minute ? "minute" : "hour";
    a.limit = static_cast<int>(refusing->capacity());
    a.retry_after = std::max(1, static_cast<int>(ceil_seconds(refusing->seconds_until_token())));
  } else if (*s.active >= limits.concurrency) {
    a.outcome = Admission::Outcome::concurrency_limited;
    a.limit = limits.concurrency;
    a.retry_after = 1;
  } else {
    s.minute.take();
    s.hour.take();
    a.slot = ConcurrencySlot(s.active);
  }
  a.snapshot = snapshot(s);
  return a;
}

LimitSnapshot RateLimiter::peek(const std::string& key_id, const Limits& limits) {
  return snapshot(state(key_id, limits, clock_.mono_seconds()));
}

int RateLimiter::in_flight(const std::string& key_id) const {
  auto it = states_.find(key_id);
  return it == states_.end() ? 0 : *it->second.active;
}

}  // namespace agentd::access

// Time sources. Everything that measures time (rate limiter, key cache, leases) takes a Clock so
// that tests drive time by hand instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

namespace agentd {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic seconds since an arbitrary origin.
  virtual double mono_seconds() const = 0;
  // Wall-clock Unix seconds.
  virtual double unix_seconds() const = 0;
};

class SystemClock final : public Clock {
 public:
  double mono_seconds() const override;
  double unix_seconds() const override;
  static SystemClock& instance();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(double unix_start = 1'767'261'600.0) : unix_(unix_start) {}
  double mono_seconds() const override { return mono_.load(); }
  double unix_seconds() const override { return unix_ + mono_.load(); }
  void advance(double seconds) { mono_.store(mono_.load() + seconds); }

 private:
  std::atomic<double> mono_{1000.0};
  double unix_;
};

// ISO 8601 UTC with a trailing Z, second precision: 2026-01-01T10:00:00Z.
std::string iso8601(std::chrono::system_clock::time_point t);
std::string iso8601_unix(double unix_seconds);
std::string now_iso8601();
// Parses YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM] or YYYY-MM-DD; false when malformed.
bool parse_iso8601(const std::string& text, double& unix_seconds);

}  // namespace agentd

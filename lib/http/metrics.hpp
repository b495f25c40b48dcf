// Prometheus counters and gauges. Updated only on the io thread, so plain integers suffice.
#pragma once

#include "core/money.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace agentd::http {

class Metrics {
 public:
  void request(std::string_view route, unsigned status, double seconds);
  void connection_opened() { ++open_connections_; }
  void connection_closed() { --open_connections_; }
  void stream_opened() { ++open_streams_; }
  void stream_closed() { --open_streams_; }
  void rate_limited(std::string_view reason) { ++rejections_[std::string(reason)]; }
  void credits_spent(Micros micros) { credits_spent_ += micros; }

  // Services add their own lines (job queue depth, ...) through providers.
  void add_provider(std::function<std::string()> provider) { providers_.push_back(std::move(provider)); }
  std::string render() const;

 private:
  static constexpr std::array<double, 13> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1,     2.5,   5};
  std::map<std::string, std::map<unsigned, std::uint64_t>, std::less<>> requests_;
  std::array<std::uint64_t, kBuckets.size() + 1> histogram_{};
  double latency_sum_ = 0;
  std::uint64_t latency_count_ = 0;
  long open_connections_ = 0;
  long open_streams_ = 0;
  std::map<std::string, std::uint64_t> rejections_;
  Micros credits_spent_ = 0;
  std::vector<std::function<std::string()>> providers_;
};

}  // namespace agentd::http

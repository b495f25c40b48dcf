#include "http/metrics.hpp"

#include <sstream>

namespace agentd::http {

void Metrics::request(std::string_view route, unsigned status, double seconds) {
  auto it = requests_.find(route);
  if (it == requests_.end()) it = requests_.emplace(std::string(route), std::map<unsigned, std::uint64_t>{}).first;
  ++it->second[status];
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  ++histogram_[i];
  latency_sum_ += seconds;
  ++latency_count_;
}

std::string Metrics::render() const {
  std::ostringstream out;
  out << "# HELP agentd_http_requests_total HTTP requests by route pattern and status.\n"
         "# TYPE agentd_http_requests_total counter\n";
  for (const auto& [route, by_status] : requests_)
    for (const auto& [status, n] : by_status)
      out << "agentd_http_requests_total{route=\"" << route << "\",status=\"" << status << "\"} " << n << "\n";
  out << "# HELP agentd_http_request_duration_seconds Time from request header to response.\n"
         "# TYPE agentd_http_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += histogram_[i];
    out << "agentd_http_request_duration_seconds_bucket{le=\"" << kBuckets[i] << "\"} " << cumulative << "\n";
  }
  cumulative += histogram_.back();
  out << "agentd_http_request_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
      << "agentd_http_request_duration_seconds_sum " << latency_sum_ << "\n"
      << "agentd_http_request_duration_seconds_count " << latency_count_ << "\n";
  out << "# TYPE agentd_open_connections gauge\nagentd_open_connections " << open_connections_ << "\n";
  out << "# TYPE agentd_open_streams gauge\nagentd_open_streams " << open_streams_ << "\n";
  out << "# HELP agentd_rate_limit_rejections_total Requests refused by the rate limiter.\n"
         "# TYPE agentd_rate_limit_rejections_total counter\n";
  for (const auto& [reason, n] : rejections_)
    out << "agentd_rate_limit_rejections_total{reason=\"" << reason << "\"} " << n << "\n";
  out << "# HELP agentd_credits_spent_total Credits charged since start.\n"
         "# TYPE agentd_credits_spent_total counter\n"
      << "agentd_credits_spent_total " << format_credits(credits_spent_) << "\n";
  for (const auto& p : providers_) out << p();
  return out.str();
}

}  // namespace agentd::http

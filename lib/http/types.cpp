#include "http/types.hpp"

#include <boost/json/serialize.hpp>

namespace agentd::http {

const std::string& RequestContext::param(std::string_view name) const {
  for (const auto& [k, v] : path_params)
    if (k == name) return v;
  static const std::string empty;
  return empty;
}

std::optional<std::string> RequestContext::query(std::string_view name) const {
  for (auto p : url.params()) {
    if (p.key == name) return std::string(p.value);
  }
  return std::nullopt;
}

Response make_response(unsigned status, std::string body, std::string_view content_type) {
  Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(unsigned status, const boost::json::value& body) {
  return make_response(status, boost::json::serialize(body));
}

void set_rate_limit_headers(Response& res, const access::LimitSnapshot& s) {
  res.set("X-RateLimit-Limit", std::to_string(s.minute.limit));
  res.set("X-RateLimit-Remaining", std::to_string(s.minute.remaining));
  res.set("X-RateLimit-Reset", std::to_string(s.minute.reset_unix));
  res.set("X-RateLimit-Limit-Minute", std::to_string(s.minute.limit));
  res.set("X-RateLimit-Remaining-Minute", std::to_string(s.minute.remaining));
  res.set("X-RateLimit-Reset-Minute", std::to_string(s.minute.reset_unix));
  res.set("X-RateLimit-Limit-Hour", std::to_string(s.hour.limit));
  res.set("X-RateLimit-Remaining-Hour", std::to_string(s.hour.remaining));
  res.set("X-RateLimit-Reset-Hour", std::to_string(s.hour.reset_unix));
}

}  // namespace agentd::http

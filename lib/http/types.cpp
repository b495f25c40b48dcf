#include "http/types.hpp"

#include "core/json_text.hpp"

namespace agentd::http {

Response make_response(unsigned status, std::string body, std::string_view content_type) {
  Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(unsigned status, const boost::json::value& body) {
  return make_response(status, json_text(body));
}

}  // namespace agentd::http

#include "http/types.hpp"

#include <boost/json/serialize.hpp>

namespace agentd::http {

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

}  // namespace agentd::http

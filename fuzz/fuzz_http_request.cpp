// The request head and body as the server reads them: Beast's parser with the server's limits
// (16 KiB header, 1 MiB body, chunked bodies included), then the route table's matching and
// percent-decoding of the path.
#include "http/router.hpp"

#include <boost/beast/http.hpp>

#include <cstdint>
#include <cstring>

namespace {
struct TestRoute {
  boost::beast::http::verb method;
  std::string pattern;
};
const agentd::http::Router<TestRoute>& routes() {
  static const auto* r = [] {
    auto* router = new agentd::http::Router<TestRoute>;
    using boost::beast::http::verb;
    for (const char* p : {"/health", "/api/external/agents/{agent_id}", "/api/external/rag/datastores/{id}/files/{filename}",
                          "/v1/agents/{agentId}/messages", "/v1/agents/{agentId}", "/api/external/agents/models"})
      router->add({verb::get, p});
    router->add({verb::post, "/v1/agents/{agentId}/messages"});
    return router;
  }();
  return *r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace bhttp = boost::beast::http;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  std::size_t used = 0;
  while (used < size && !ec && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (n == 0 && !ec) break;
    used += n;
  }
  if (!parser.is_header_done()) return 0;
  const auto target = parser.get().target();
  const std::string_view t(target.data(), target.size());
  const auto path = t.substr(0, t.find('?'));
  auto m = routes().match(parser.get().method(), path);
  for (const auto& [k, v] : m.params)
    if (k.empty()) __builtin_trap();
  (void)agentd::http::split_path(path);
  return 0;
}

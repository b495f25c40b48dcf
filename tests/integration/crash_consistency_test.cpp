// What was delivered is stored and charged, also when the server dies at the worst moment: the
// real binary is killed (SIGKILL) the moment a stream's last event arrives, then restarted.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <poll.h>

using namespace agentd;
using namespace agentd::testing;
namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;

namespace {

// Sends a streamed request and reads until `marker` arrives (or 10 s pass); returns what came.
std::string stream_until(unsigned short port, const std::string& request, const std::string& marker) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::write(socket, net::buffer(request));
  std::string got;
  char buf[4096];
  pollfd p{socket.native_handle(), POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.find(marker) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::read(socket.native_handle(), buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

std::string post(const std::string& path, const std::string& key, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST(CrashConsistency, AStreamKilledAtItsLastEventIsStoredAndCharged) {
  TempDir dir;
  const std::string data = (dir.path / "data").string();
  std::string key;
  std::vector<std::string> sessions;
  constexpr int kStreams = 5;
  for (int i = 0; i < kStreams; ++i) {
    ServerProcess server(data);
    if (key.empty()) key = server.bootstrap_key();
    const std::string session = "crash-" + std::to_string(i);
    const std::string chat = json::serialize(json::object{
        {"stream", true}, {"session_id", session}, {"messages", json::array{{{"role", "user"}, {"content", "Hello there!"}}}}});
    const std::string agents_v1 = json::serialize(json::object{{"text", "Hello there!"}, {"roomId", session}, {"stream", true}});
    // Alternately a chat completion and an Agents API message (to the agent made below).
    if (i % 2 == 0 || sessions.empty()) {
      const std::string got = stream_until(server.port(), post("/v1/chat/completions", key, chat), "data: [DONE]");
      ASSERT_NE(got.find("data: [DONE]"), std::string::npos) << got;
    } else {
      auto agents = http_call(server.port(), "GET", "/v1/agents", {{"Authorization", "Bearer " + key}});
      auto items = json::parse(agents.body).at("data").at("items").as_array();
      std::string id;
      if (items.empty()) {
        auto made = http_call(server.port(), "POST", "/v1/agents", {{"Authorization", "Bearer " + key}}, R"({"name":"Greeter"})");
        id = std::string(json::parse(made.body).at("data").at("id").as_string());
      } else {
        id = std::string(items[0].at("id").as_string());
      }
      const std::string got = stream_until(server.port(), post("/v1/agents/" + id + "/messages", key, agents_v1), "\"type\":\"done\"");
      ASSERT_NE(got.find("\"type\":\"done\""), std::string::npos) << got;
    }
    server.kill_hard();  // at once: no settle after the handler, no shutdown
    sessions.push_back(session);
  }
  ServerProcess server(data);
  const Headers auth{{"X-API-Key", key}};
  for (const auto& session : sessions) {
    auto r = http_call(server.port(), "GET", "/api/external/sessions/" + session + "/messages", auth);
    ASSERT_EQ(r.status, 200) << session << " " << r.body;
    EXPECT_EQ(json::parse(r.body).at("total").as_int64(), 2) << session;
  }
  auto credits = json::parse(http_call(server.port(), "GET", "/api/external/credits?limit=100", auth).body).as_object();
  int charges = 0;
  for (const auto& t : credits.at("transactions").as_array()) charges += t.at("type") == "charge";
  EXPECT_EQ(charges, kStreams);
  EXPECT_EQ(credits.at("reserved"), "0.000000");
  EXPECT_LT(std::stod(std::string(credits.at("balance").as_string())), 100.0);
}

// Defects found under hostile input, each with the test that caught it: a header dripped
// slowly, malformed chunked bodies, absolute-form targets, running out of file descriptors.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <filesystem>
#include <fstream>
#include <poll.h>

using namespace agentd;
using namespace agentd::testing;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Waits up to `ms` for the peer to close (or send); true when it closed.
bool closed_within(tcp::socket& socket, int ms) {
  pollfd p{socket.native_handle(), POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return false;
  char c;
  return ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

long rss_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

double cpu_seconds(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  std::istringstream in(line.substr(line.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

TEST(HttpHardening, AHeaderDrippedSlowlyIsClosedAtTheRequestDeadline) {
  // Before: the idle deadline (5 s here) chosen before the first byte held for the whole header.
  InProcessServer server([](Config& c) {
    c.http.idle_timeout_ms = 5'000;
    c.http.request_timeout_ms = 300;
  });
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
  const std::string header = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a');
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (std::size_t i = 0; i < header.size() && !closed; ++i) {
    boost::system::error_code ec;
    net::write(socket, net::buffer(&header[i], 1), ec);
    closed = ec || closed_within(socket, 50);  // one byte every 50 ms, never the end of the header
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, 0.25);
  EXPECT_LT(elapsed, 2.0);
}

TEST(HttpHardening, MalformedChunkedBodiesAre400) {
  InProcessServer server;
  const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-API-Key: " + server.bootstrap_key() +
                           "\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string& body : {std::string("zz\r\nabc\r\n0\r\n\r\n"), std::string("FFFFFFFFFFFFFFFFFFFF\r\nabc\r\n")}) {
    const std::string answer = raw_exchange(server.port(), head + body, 5'000);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
    EXPECT_NE(answer.find("Malformed HTTP request"), std::string::npos) << answer;
  }
}

TEST(HttpHardening, AbsoluteFormTargetsAreServedAsTheirPath) {
  InProcessServer server;
  const std::string answer = raw_exchange(server.port(), "GET http://localhost:8080/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"({"status":"ok")"), std::string::npos) << answer;
  const std::string credits = raw_exchange(
      server.port(), "GET HTTP://localhost/api/external/credits?limit=1 HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " +
                         server.bootstrap_key() + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(credits.rfind("HTTP/1.1 200", 0), 0u) << credits;
  EXPECT_NE(credits.find("\"limit\":1"), std::string::npos) << credits;
}

TEST(HttpHardening, OutOfFileDescriptorsTheServerBacksOffAndKeepsServing) {
  TempDir dir;
  ServerProcess server((dir.path / "data").string(), 128);
  net::io_context ioc;
  // An open keep-alive connection before the descriptors run out.
  tcp::socket kept(ioc);
  kept.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
  const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  auto ask = [&] {
    net::write(kept, net::buffer(request));
    std::string got;
    char buf[1024];
    pollfd p{kept.native_handle(), POLLIN, 0};
    while (got.find("}") == std::string::npos && ::poll(&p, 1, 5'000) > 0) {
      const ssize_t n = ::read(kept.native_handle(), buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  };
  ASSERT_EQ(ask().rfind("HTTP/1.1 200", 0), 0u);
  std::vector<tcp::socket> flood;
  for (int i = 0; i < 200; ++i) {
    flood.emplace_back(ioc);
    boost::system::error_code ec;
    flood.back().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()), ec);
  }
  // Before: a full core and hundreds of MB of "accept failed" lines within seconds.
  const double cpu_before = cpu_seconds(server.pid());
  const auto start = std::chrono::steady_clock::now();
  std::string answer;
  int answered = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(1)) {
    answer = ask();
    answered += answer.rfind("HTTP/1.1 200", 0) == 0;
    closed_within(kept, 100);  // a request every 100 ms
  }
  const double cpu = cpu_seconds(server.pid()) - cpu_before;
  EXPECT_GE(answered, 5) << answer;
  EXPECT_LT(cpu, 0.5);
  std::ifstream log(server.log_path());
  int accept_warnings = 0;
  for (std::string line; std::getline(log, line);) accept_warnings += line.find("accept failed") != std::string::npos;
  EXPECT_GE(accept_warnings, 1);
  EXPECT_LE(accept_warnings, 2);  // once per 10 s
  flood.clear();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (status != 200 && std::chrono::steady_clock::now() < deadline) status = http_call(server.port(), "GET", "/health").status;
  EXPECT_EQ(status, 200);
}

TEST(HttpHardening, BodiesWithoutAKeyAreRefusedBeforeTheyAreRead) {
  // Before: four 140 MiB bodies without a key were read whole (552 MB of RSS) before the 401.
  TempDir dir;
  ServerProcess server((dir.path / "data").string());
  const long before = rss_kib(server.pid());
  net::io_context ioc;
  std::vector<tcp::socket> clients;
  const std::string head = "POST /api/external/rag/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(140u * 1024 * 1024) + "\r\n\r\n";
  const std::string chunk(1024 * 1024, 'A');
  std::vector<std::string> answers(4);
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back(ioc);
    clients.back().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    net::write(clients.back(), net::buffer(head));
  }
  // Each sends 8 MiB of its body; the answers come without the rest.
  for (auto& c : clients) {
    boost::system::error_code ec;
    for (int mb = 0; mb < 8 && !ec; ++mb) net::write(c, net::buffer(chunk), ec);
  }
  for (int i = 0; i < 4; ++i) {
    char buf[4096];
    pollfd p{clients[i].native_handle(), POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (answers[i].find("\r\n\r\n{") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::read(clients[i].native_handle(), buf, sizeof buf);
      if (n <= 0) break;
      answers[i].append(buf, static_cast<std::size_t>(n));
    }
    EXPECT_EQ(answers[i].rfind("HTTP/1.1 401", 0), 0u) << answers[i];
  }
  const long after = rss_kib(server.pid());
  EXPECT_LT(after - before, 30 * 1024) << "RSS grew from " << before << " to " << after << " KiB";
  clients.clear();
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
}

TEST(HttpHardening, BodiesBeyondTheInFlightBudgetAre503BeforeTheyAreRead) {
  InProcessServer server([](Config& c) { c.http.max_body_bytes_in_flight = 1'000; });
  const std::string body(2'000, ' ');
  const std::string answer = raw_exchange(
      server.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-API-Key: " +
                         server.bootstrap_key() + "\r\nContent-Length: 2000\r\n\r\n" + body);
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_NE(answer.find("Retry-After: 1"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Server busy"), std::string::npos) << answer;
  // Within the budget the same route answers.
  auto ok = http_call(server.port(), "POST", "/v1/chat/completions", {{"X-API-Key", server.bootstrap_key()}},
                      R"({"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(ok.status, 200) << ok.body;
}

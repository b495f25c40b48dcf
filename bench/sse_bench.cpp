// Streaming benchmarks against the real agentd binary (started here, Release build):
//  1. N concurrent SSE chat streams held open by one agentd process (goal: 10,000 with RSS under
//     300 MB). Each stream is relayed from a local OpenAI-compatible upstream (in this process)
//     that sends one word and then holds the stream open, as a slow model would.
//  2. The time to first token that agentd adds over that upstream: the first content byte read
//     straight from the upstream vs through agentd, one request at a time (goal: p50 < 1 ms).
// Usage: sse_bench AGENTD_BINARY [streams=10000] [ttft_samples=300]
#include "agentd_process.hpp"
#include "fake_openai.hpp"

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;
using agentd::testing::FakeOpenAI;
using agentd::testing::FakeReply;
using Clock = std::chrono::steady_clock;
using agentd::bench::percentile;
using agentd::bench::run_command;

namespace {

// A /proc/PID/status field in kB: VmRSS, RssAnon, RssFile, RssShmem.
long status_kb(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}
long rss_kb(int pid) { return status_kb(pid, "VmRSS"); }

std::string request(const std::string& target, const std::string& key, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + key +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Sends the request and reads until the first content delta; returns the seconds it took.
net::awaitable<double> first_token(tcp::socket& socket, const std::string& req, const std::string& marker) {
  const auto t0 = Clock::now();
  co_await net::async_write(socket, net::buffer(req), net::use_awaitable);
  std::string got;
  std::array<char, 4096> buf;
  while (got.find(marker) == std::string::npos) {
    const std::size_t n = co_await socket.async_read_some(net::buffer(buf), net::use_awaitable);
    got.append(buf.data(), n);
  }
  co_return std::chrono::duration<double>(Clock::now() - t0).count();
}


}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sse_bench AGENTD_BINARY [streams] [ttft_samples]\n";
    return 2;
  }
  const std::string binary = argv[1];
  int streams = argc > 2 ? std::atoi(argv[2]) : 10'000;
  const int samples = argc > 3 ? std::atoi(argv[3]) : 300;
  // Each held stream is two descriptors in agentd (client, upstream) and two here (client,
  // upstream server): ask for enough, and hold as many streams as the hard limit allows.
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  const rlim_t wanted = static_cast<rlim_t>(streams) * 2 + 200;
  rlimit raised{wanted, wanted};
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    raised = {lim.rlim_max, lim.rlim_max};
    setrlimit(RLIMIT_NOFILE, &raised);
    const int possible = static_cast<int>((lim.rlim_max - 200) / 2);
    if (possible < streams) {
      std::printf("open-file limit %lu allows %d streams, not %d (raise ulimit -Hn as root)\n",
                  static_cast<unsigned long>(lim.rlim_max), possible, streams);
      streams = possible;
    }
  }

  std::atomic<bool> hold{true};
  FakeOpenAI upstream([&](const json::object&, int) {
    FakeReply r;
    r.events = agentd::testing::openai_stream({"token"});
    if (hold) {
      r.events.pop_back();  // no finish: the model "keeps thinking"
      r.hold_open = true;
    }
    return r;
  });

  agentd::bench::AgentdProcess agentd(
      binary, json::object{{"log_level", "warn"}, {"providers", {{"local", {{"base_url", upstream.base_url()}}}}}}, "sse-bench");
  const unsigned short port = agentd.port();
  const std::string& key = agentd.key();
  const int pid = agentd.pid();
  run_command("curl -s -o /dev/null -X POST http://127.0.0.1:" + std::to_string(port) +
      "/api/external/agents -H 'X-API-Key: " + key + "' -d '{\"name\":\"Relay\",\"model\":\"local/bench-model\"}'");
  const std::string body = R"({"model":"relay","stream":true,"messages":[{"role":"user","content":"hold on"}]})";
  const std::string via_agentd = request("/v1/chat/completions", key, body);
  const tcp::endpoint agentd_ep(net::ip::make_address("127.0.0.1"), port);

  // 1. Concurrent streams.
  const long rss_idle = rss_kb(pid);
  net::io_context ioc{1};
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  sockets.reserve(static_cast<std::size_t>(streams));
  int opened = 0, failed = 0;
  const auto t_open = Clock::now();
  constexpr int kInFlight = 256;  // connections being set up at once
  int next = 0;
  std::function<void()> launch = [&] {
    if (next >= streams) return;
    ++next;
    sockets.push_back(std::make_unique<tcp::socket>(ioc));
    tcp::socket& s = *sockets.back();
    net::co_spawn(ioc,
                  [&]() -> net::awaitable<void> {
                    co_await s.async_connect(agentd_ep, net::use_awaitable);
                    co_await first_token(s, via_agentd, "\"content\":\"token\"");
                  },
                  [&](std::exception_ptr e) {
                    if (e) ++failed;
                    else ++opened;
                    launch();
                  });
  };
  for (int i = 0; i < kInFlight; ++i) launch();
  ioc.run();
  const double open_seconds = std::chrono::duration<double>(Clock::now() - t_open).count();
  const long rss_held = rss_kb(pid);
  std::printf("streams: %d held open (%d failed) in %.1f s\n", opened, failed, open_seconds);
  std::printf("agentd RSS: %.1f MB idle, %.1f MB with the streams (%.1f KB per stream); goal < 300 MB\n",
              rss_idle / 1024.0, rss_held / 1024.0, (rss_held - rss_idle) / static_cast<double>(std::max(opened, 1)));
  std::printf("  of which anonymous %.1f MB, file-backed %.1f MB, shared %.1f MB\n", status_kb(pid, "RssAnon") / 1024.0,
              status_kb(pid, "RssFile") / 1024.0, status_kb(pid, "RssShmem") / 1024.0);
  sockets.clear();  // hang up: agentd cancels the upstream requests
  ioc.restart();
  ioc.poll();  // close the sockets now
  // Let agentd finish the hung-up streams (it stores and bills each) before timing anything.
  const std::string metrics = "curl -s http://127.0.0.1:" + std::to_string(port) + "/metrics";
  const auto t_drain = Clock::now();
  while (run_command(metrics).find("agentd_open_streams 0\n") == std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::printf("hung-up streams finished in %.1f s\n", std::chrono::duration<double>(Clock::now() - t_drain).count());

  // 2. Time to first token: direct vs through agentd, alternating, one at a time.
  hold = false;
  const std::string up = upstream.base_url();
  const unsigned short up_port = static_cast<unsigned short>(std::stoi(up.substr(up.rfind(':') + 1)));
  const std::string direct = request("/v1/chat/completions", key, R"({"model":"m","stream":true,"messages":[]})");
  std::vector<double> t_direct, t_agentd;
  net::io_context ioc2{1};
  net::co_spawn(ioc2,
                [&]() -> net::awaitable<void> {
                  for (int i = 0; i < samples + 20; ++i) {
                    for (int which = 0; which < 2; ++which) {
                      tcp::socket s(ioc2);
                      co_await s.async_connect({net::ip::make_address("127.0.0.1"), which ? port : up_port}, net::use_awaitable);
                      const double t = co_await first_token(s, which ? via_agentd : direct, "\"content\":\"token\"");
                      if (i >= 20) (which ? t_agentd : t_direct).push_back(t);  // after a warm-up
                    }
                  }
                },
                net::detached);
  ioc2.run();
  const double p50d = percentile(t_direct, 0.5) * 1000, p50a = percentile(t_agentd, 0.5) * 1000;
  const double p99d = percentile(t_direct, 0.99) * 1000, p99a = percentile(t_agentd, 0.99) * 1000;
  std::printf("time to first token, %d samples: upstream direct p50 %.3f ms p99 %.3f ms; via agentd p50 %.3f ms p99 %.3f ms\n",
              samples, p50d, p99d, p50a, p99a);
  std::printf("agentd adds p50 %.3f ms (goal < 1 ms)\n", p50a - p50d);

  return 0;
}

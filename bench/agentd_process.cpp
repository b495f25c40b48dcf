#include "agentd_process.hpp"

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace agentd::bench {

namespace beast = boost::beast;

struct HttpClient::Impl {
  boost::asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(unsigned short port, std::string auth_header, std::string auth_value)
    : impl_(std::make_unique<Impl>()), header_(std::move(auth_header)), value_(std::move(auth_value)) {
  impl_->stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
}

HttpClient::~HttpClient() = default;

std::string HttpClient::call(const std::string& method, const std::string& target, const std::string& json_body) {
  beast::http::request<beast::http::string_body> req{beast::http::string_to_verb(method), target, 11};
  req.set(beast::http::field::host, "bench");
  req.set(header_, value_);
  if (!json_body.empty()) {
    req.set(beast::http::field::content_type, "application/json");
    req.body() = json_body;
  }
  req.prepare_payload();
  beast::http::write(impl_->stream, req);
  beast::http::response<beast::http::string_body> res;
  beast::http::read(impl_->stream, impl_->buffer, res);
  if (res.result_int() >= 300) throw std::runtime_error(method + " " + target + ": HTTP " + std::to_string(res.result_int()) + " " + res.body());
  return res.body();
}

std::string run_command(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  return out;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

AgentdProcess::AgentdProcess(const std::string& binary, const boost::json::object& config, const std::string& name)
    : dir_(std::filesystem::temp_directory_path() / ("agentd-" + name + "-" + std::to_string(getpid()))) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/config.json") << boost::json::serialize(config);
  const std::string admin = binary + " admin ";
  const std::string data = " --data-dir " + dir_ + "/data";
  run_command(admin + "org create --slug bench --plan enterprise --credits 1000000" + data);
  key_ = run_command(admin + "key create --org bench --all-scopes --rpm 100000000 --rph 100000000 --concurrency 1000000" + data);
  if (key_.rfind("agd_live_") == std::string::npos) throw std::runtime_error("no key: " + key_);
  key_ = key_.substr(key_.rfind("agd_live_"));
  key_.erase(key_.find_last_not_of(" \n") + 1);

  int out_pipe[2];
  if (pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out_pipe[1], 1);
    close(out_pipe[0]);
    execl(binary.c_str(), binary.c_str(), "serve", "--listen", "127.0.0.1:0", "--data-dir", (dir_ + "/data").c_str(),
          "--config", (dir_ + "/config.json").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out_pipe[1]);
  FILE* f = fdopen(out_pipe[0], "r");
  char line[512];
  while (!port_ && fgets(line, sizeof line, f)) {
    unsigned p = 0;
    if (std::sscanf(line, "agentd: listening on %*[^:]:%u", &p) == 1) port_ = static_cast<unsigned short>(p);
  }
  if (!port_) throw std::runtime_error("agentd did not start");
}

AgentdProcess::~AgentdProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::filesystem::remove_all(dir_);
}

std::vector<double> reads(const AgentdProcess& agentd, double seconds, const std::atomic<bool>* stop) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> all;
  std::mutex m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      HttpClient c(agentd.port(), "X-API-Key", agentd.key());
      std::vector<double> mine;
      const auto end = Clock::now() + std::chrono::duration<double>(seconds);
      while (Clock::now() < end && !(stop && stop->load())) {
        const auto s = Clock::now();
        c.call("GET", "/api/external/credits?limit=5");
        mine.push_back(std::chrono::duration<double>(Clock::now() - s).count());
      }
      std::lock_guard lock(m);
      all.insert(all.end(), mine.begin(), mine.end());
    });
  for (auto& th : threads) th.join();
  return all;
}

}  // namespace agentd::bench

// The real agentd binary for a benchmark: a temporary data directory with an enterprise
// organization and an all-scopes key whose limits never interfere, `agentd serve` on a free
// loopback port with the given config file contents. Stopped (SIGTERM) and removed at the end.
#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace agentd::bench {

class AgentdProcess {
 public:
  // `name` labels the temporary directory. Throws std::runtime_error when agentd does not start.
  AgentdProcess(const std::string& binary, const boost::json::object& config, const std::string& name);
  ~AgentdProcess();
  AgentdProcess(const AgentdProcess&) = delete;
  AgentdProcess& operator=(const AgentdProcess&) = delete;

  unsigned short port() const { return port_; }
  const std::string& key() const { return key_; }
  int pid() const { return pid_; }
  std::string data_dir() const { return dir_ + "/data"; }

 private:
  std::string dir_;
  std::string key_;
  unsigned short port_ = 0;
  int pid_ = -1;
};

// One keep-alive HTTP/1.1 connection to 127.0.0.1:port that sends `auth_header: auth_value`
// with every request; call() throws std::runtime_error on a status of 300 or more.
class HttpClient {
 public:
  HttpClient(unsigned short port, std::string auth_header, std::string auth_value);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  std::string call(const std::string& method, const std::string& target, const std::string& json_body = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string header_, value_;
};

// Latencies (seconds) of sequential authenticated reads (GET /api/external/credits?limit=5) on two
// connections, for `seconds` or until `stop`.
std::vector<double> reads(const AgentdProcess& agentd, double seconds, const std::atomic<bool>* stop = nullptr);

// Runs a shell command and returns its standard output.
std::string run_command(const std::string& command);
// The p-quantile (0..1) of the samples, nearest rank below.
double percentile(std::vector<double> samples, double p);

}  // namespace agentd::bench

// Integration-test harness: real HTTP over loopback against either the real binary (a child
// process on port 0) or an App running in this process on its own io thread.
#pragma once

#include "core/clock.hpp"
#include "core/config.hpp"
#include "server/app.hpp"

#include <boost/json/object.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace agentd::testing {

struct TempDir {
  TempDir();
  ~TempDir();
  std::string str() const { return path.string(); }
  std::filesystem::path path;
};

struct HttpResult {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Empty when absent; names compare case-insensitively.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpResult http_call(unsigned short port, const std::string& method, const std::string& target,
                     const Headers& headers = {}, const std::string& body = "");
// Appends the exchange to the response log when AGENTD_RESPONSE_LOG names one (http_call does).
void record_response(const std::string& method, const std::string& target, const HttpResult& r,
                     const std::string& request_body = {}, const std::string& request_type = {});
// Sends raw bytes and returns whatever the server answers before it closes (or `wait_ms` passes).
std::string raw_exchange(unsigned short port, const std::string& bytes, int wait_ms = 5000);

struct CommandResult {
  int exit_code = -1;
  std::string out;
};
// Runs the agentd binary with these arguments (for `admin ...`), capturing standard output.
CommandResult run_agentd(const std::vector<std::string>& args);
std::string last_line(const std::string& text);

// A response body as a JSON object, and a JSON value as text (a string's characters, else its
// serialization): what the byte-exact tests compare.
boost::json::object body_json(const std::string& body);
std::string text_of(const boost::json::value& v);

// `agentd serve` as a child process, listening on 127.0.0.1:0.
class ServerProcess {
 public:
  // `max_files`: the child's open-file limit (RLIMIT_NOFILE), 0 to inherit ours.
  explicit ServerProcess(const std::string& data_dir, int max_files = 0);
  ~ServerProcess();
  unsigned short port() const { return port_; }
  const std::string& bootstrap_key() const { return bootstrap_key_; }
  int pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // SIGTERM, then waits; returns the exit status.
  int terminate();
  void kill_hard();

 private:
  int pid_ = -1;
  unsigned short port_ = 0;
  std::string bootstrap_key_;
  std::string log_path_;
};

// An App in this process. `configure` adjusts the config, `routes` adds test-only routes.
class InProcessServer {
 public:
  explicit InProcessServer(std::function<void(Config&)> configure = {}, const Clock* clock = nullptr,
                           std::function<void(App&)> routes = {});
  ~InProcessServer();
  unsigned short port() const { return port_; }
  App& app() { return *app_; }
  const std::string& bootstrap_key() const { return bootstrap_key_; }
  // Runs fn on the io thread and waits for it.
  void on_io_thread(std::function<void()> fn);
  // Creates an organization and a key; returns the key.
  std::string make_key(const std::string& org_slug, const std::string& plan, const std::string& credits,
                       const std::vector<std::string>& scopes, std::optional<int> rpm = {}, std::optional<int> rph = {},
                       std::optional<int> concurrency = {});

 private:
  TempDir dir_;
  boost::asio::io_context ioc_{1};
  std::unique_ptr<App> app_;
  std::thread thread_;
  unsigned short port_ = 0;
  std::string bootstrap_key_;
};

}  // namespace agentd::testing

#include "harness.hpp"

#include <boost/json.hpp>

#include "access/accounts.hpp"
#include "core/ids.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>

namespace agentd::testing {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

TempDir::TempDir() {
  path = std::filesystem::temp_directory_path() / ("agentd-it-" + random_hex(12));
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string HttpResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, name)) return v;
  return {};
}

bool HttpResult::has_header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, name)) return true;
  return false;
}

HttpResult http_call(unsigned short port, const std::string& method, const std::string& target, const Headers& headers,
                     const std::string& body) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") req.prepare_payload();
  // A server may answer (413) and stop reading before the body is sent: read the answer anyway.
  beast::error_code write_ec;
  bhttp::write(stream, req, write_ec);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  bhttp::read(stream, buffer, parser);
  HttpResult r;
  r.status = parser.get().result_int();
  for (const auto& f : parser.get()) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  r.body = parser.get().body();
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  std::string request_type;
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, "Content-Type")) request_type = v;
  record_response(method, target, r, body, request_type);
  return r;
}

// With AGENTD_RESPONSE_LOG set (CTest sets it), every answer a test receives is appended to
// DIR/<pid>.jsonl with the test's name; tests/openapi/responses.test.mjs validates each
// against /openapi.json's schema for its route and status.
void record_response(const std::string& method, const std::string& target, const HttpResult& r, const std::string& request_body,
                     const std::string& request_type) {
  static const char* dir = std::getenv("AGENTD_RESPONSE_LOG");
  if (!dir || !*dir) return;
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  boost::json::object line{{"test", test ? std::string(test->test_suite_name()) + "." + test->name() : std::string()},
                           {"method", method},
                           {"target", target},
                           {"status", r.status},
                           {"content_type", r.header("Content-Type")}};
  // Bodies of JSON answers (others are checked by status and type only).
  if (r.header("Content-Type").rfind("application/json", 0) == 0 && r.body.size() <= 1024 * 1024) line["body"] = r.body;
  // And what was sent, when it was JSON: an accepted request must fit the declared body.
  // (Clients often send JSON without a Content-Type; the checker skips what does not parse.)
  if ((request_type.empty() || request_type.rfind("application/json", 0) == 0) && !request_body.empty() &&
      request_body.size() <= 1024 * 1024)
    line["request"] = request_body;
  std::filesystem::create_directories(dir);
  std::ofstream out(std::string(dir) + "/" + std::to_string(::getpid()) + ".jsonl", std::ios::app);
  out << boost::json::serialize(line) << "\n";
}

std::string raw_exchange(unsigned short port, const std::string& bytes, int wait_ms) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::write(socket, net::buffer(bytes));
  std::string out;
  pollfd p{socket.native_handle(), POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    const int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (::poll(&p, 1, std::max(1, left)) <= 0) break;
    const ssize_t n = ::read(socket.native_handle(), buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

namespace {

// Forks and execs agentd; the child's standard output goes to the returned pipe.
int spawn_agentd(const std::vector<std::string>& args, int& out_fd, const std::string& stderr_path, int max_files = 0) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
  const int pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    const int err = ::open(stderr_path.empty() ? "/dev/null" : stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) ::dup2(err, 2);
    if (max_files > 0) {
      rlimit lim{static_cast<rlim_t>(max_files), static_cast<rlim_t>(max_files)};
      ::setrlimit(RLIMIT_NOFILE, &lim);
    }
    std::vector<char*> argv;
    std::string bin = AGENTD_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  out_fd = pipefd[0];
  return pid;
}

}  // namespace

CommandResult run_agentd(const std::vector<std::string>& args) {
  int fd = -1;
  const int pid = spawn_agentd(args, fd, "");
  CommandResult r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) r.out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
}

ServerProcess::ServerProcess(const std::string& data_dir, int max_files) : log_path_(data_dir + ".log") {
  int fd = -1;
  pid_ = spawn_agentd({"serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir}, fd, log_path_, max_files);
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  pollfd p{fd, POLLIN, 0};
  char buf[1024];
  while (std::chrono::steady_clock::now() < deadline && out.find("listening on") == std::string::npos) {
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto listening = out.find("listening on");
  if (listening == std::string::npos) {
    kill_hard();
    throw std::runtime_error("agentd serve did not start; output: " + out);
  }
  const auto line_end = out.find('\n', listening);
  const std::string line = out.substr(listening, line_end - listening);
  port_ = static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)));
  const std::string marker = "agentd: bootstrap key: ";
  if (auto b = out.find(marker); b != std::string::npos)
    bootstrap_key_ = out.substr(b + marker.size(), out.find('\n', b) - b - marker.size());
}

ServerProcess::~ServerProcess() { kill_hard(); }

int ServerProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ServerProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

InProcessServer::InProcessServer(std::function<void(Config&)> configure, const Clock* clock,
                                 std::function<void(App&)> routes) {
  Config config;
  config.listen = "127.0.0.1:0";
  config.data_dir = dir_.str();
  config.log_level = "warn";
  if (configure) configure(config);
  app_ = std::make_unique<App>(config, ioc_, clock ? *clock : SystemClock::instance());
  if (routes) routes(*app_);
  bootstrap_key_ = access::bootstrap(app_->store).value_or("");
  port_ = app_->start();
  thread_ = std::thread([this] { ioc_.run(); });
}

InProcessServer::~InProcessServer() {
  net::post(ioc_, [this] { app_->stop([this] { ioc_.stop(); }); });
  thread_.join();
  app_.reset();
}

void InProcessServer::on_io_thread(std::function<void()> fn) {
  std::promise<void> done;
  net::post(ioc_, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

boost::json::object body_json(const std::string& body) { return boost::json::parse(body).as_object(); }

std::string text_of(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

std::string InProcessServer::make_key(const std::string& org_slug, const std::string& plan, const std::string& credits,
                                      const std::vector<std::string>& scopes, std::optional<int> rpm,
                                      std::optional<int> rph, std::optional<int> concurrency) {
  return app_->store.write([&](db::Conn& c) {
    auto org = access::find_org(c, org_slug);
    if (!org) org = access::create_org(c, org_slug, org_slug, plan, *parse_credits(credits));
    access::KeySpec spec;
    spec.scopes = scopes;
    spec.rpm = rpm;
    spec.rph = rph;
    spec.concurrency = concurrency;
    return access::create_key(c, *org, spec).secret;
  });
}

}  // namespace agentd::testing

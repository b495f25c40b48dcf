#include "core/log.hpp"

#include "core/clock.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace agentd::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};

class Writer {
 public:
  static constexpr std::size_t kBatchBytes = 256 * 1024;
  static constexpr auto kFlushInterval = std::chrono::milliseconds(50);

  Writer() : thread_([this] { run(); }) {}
  ~Writer() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  // Lines are batched: the writer wakes every kFlushInterval or when kBatchBytes are pending,
  // not once per line (a wake-up per request costs more than the request on a busy server).
  void push(std::string line) {
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      pending_ += line;
      pending_.push_back('\n');
      wake = pending_.size() >= kBatchBytes;
    }
    if (wake) cv_.notify_one();
  }

  void flush() {
    std::lock_guard io(io_mutex_);
    std::string out;
    {
      std::lock_guard lock(mutex_);
      out.swap(pending_);
    }
    emit(out);
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      cv_.wait_for(lock, kFlushInterval, [this] { return stop_ || pending_.size() >= kBatchBytes; });
      if (pending_.empty() && !stop_) continue;
      std::string out;
      out.swap(pending_);
      const bool stop = stop_;
      lock.unlock();
      {
        std::lock_guard io(io_mutex_);
        emit(out);
      }
      lock.lock();
      if (stop && pending_.empty()) return;
    }
  }

  static void emit(const std::string& out) {
    if (out.empty()) return;
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
  }

  std::mutex mutex_;
  std::mutex io_mutex_;
  std::condition_variable cv_;
  std::string pending_;
  bool stop_ = false;
  std::thread thread_;
};

Writer& writer() {
  static Writer w;
  return w;
}

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

}  // namespace

void set_level(std::string_view level) {
  Level l = Level::info;
  if (level == "debug") l = Level::debug;
  else if (level == "warn") l = Level::warn;
  else if (level == "error") l = Level::error;
  g_level = static_cast<int>(l);
}

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

namespace {

// {"time":..,"level":.., fields...}
std::string format_line(Level level, boost::json::object& fields) {
  boost::json::object line;
  line["time"] = now_iso8601();
  line["level"] = level_name(level);
  for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
  return boost::json::serialize(line);
}

}  // namespace

void write(Level level, boost::json::object fields) {
  if (!enabled(level)) return;
  writer().push(format_line(level, fields));
}

void request(boost::json::object fields, double milliseconds) {
  if (!enabled(Level::info)) return;
  std::string text = format_line(Level::info, fields);
  char ms[32];
  std::snprintf(ms, sizeof ms, ",\"ms\":%.3f}", milliseconds);
  text.pop_back();
  text += ms;
  writer().push(std::move(text));
}

void info(std::string_view message) { write(Level::info, {{"msg", message}}); }
void warn(std::string_view message) { write(Level::warn, {{"msg", message}}); }
void error(std::string_view message) { write(Level::error, {{"msg", message}}); }
void flush() { writer().flush(); }

}  // namespace agentd::log

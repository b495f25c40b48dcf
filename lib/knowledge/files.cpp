#include "knowledge/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace agentd::knowledge {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) fail("cannot open", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("cannot fsync", path);
}

}  // namespace

void write_file_durably(const std::string& path, std::string_view bytes) {
  const std::filesystem::path target(path);
  std::filesystem::create_directories(target.parent_path());
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) fail("cannot create", tmp);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail("cannot write", tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("cannot fsync", tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename", tmp);
  fsync_path(target.parent_path().string(), O_RDONLY | O_DIRECTORY);
}

void move_file_durably(const std::string& from, const std::string& to) {
  const std::filesystem::path target(to);
  std::filesystem::create_directories(target.parent_path());
  fsync_path(from, O_RDONLY);
  if (::rename(from.c_str(), to.c_str()) != 0) fail("cannot rename", from);
  fsync_path(target.parent_path().string(), O_RDONLY | O_DIRECTORY);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void remove_files(const std::string& data_dir, const std::vector<std::string>& relative_paths) {
  for (const auto& p : relative_paths) {
    std::error_code ec;
    std::filesystem::remove(std::filesystem::path(data_dir) / p, ec);
  }
}

}  // namespace agentd::knowledge

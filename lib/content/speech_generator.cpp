#include "content/speech_generator.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace agentd::content {
namespace {

constexpr int kTimeoutMs = 30'000;

struct Fd {
  int fd = -1;
  ~Fd() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

}  // namespace

// eSpeak NG's library carries state from one utterance to the next (its pitch flutter runs
// on), so the same text spoken twice in one process differs. Each prompt is spoken by a fresh
// `espeak-ng` process instead: text on its standard input, the WAV on its standard output.
std::string speak_wav(const std::string& text, const Voice& voice) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("cannot start eSpeak NG: no pipe");
  Fd in_read{in[0]}, in_write{in[1]};
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("cannot start eSpeak NG: no pipe");
  Fd out_read{out[0]}, out_write{out[1]};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read.fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.fd, 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const std::string rate = std::to_string(voice.rate), pitch = std::to_string(voice.pitch);
  std::vector<char*> argv = {const_cast<char*>("espeak-ng"), const_cast<char*>("-v"), const_cast<char*>(voice.name.c_str()),
                             const_cast<char*>("-s"),        const_cast<char*>(rate.c_str()), const_cast<char*>("-p"),
                             const_cast<char*>(pitch.c_str()), const_cast<char*>("--stdout"), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "espeak-ng", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot start eSpeak NG (is the espeak-ng package installed?)");
  in_read.close();
  out_write.close();
  // The prompt (at most a few KB) fits the pipe: written whole, then closed.
  const std::string line = text + "\n";
  for (std::size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(in_write.fd, line.data() + done, line.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  in_write.close();
  std::string wav;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  char buffer[65536];
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    pollfd p{out_read.fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      timed_out = true;
      break;
    }
    const ssize_t n = ::read(out_read.fd, buffer, sizeof buffer);
    if (n <= 0) break;
    wav.append(buffer, static_cast<std::size_t>(n));
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (timed_out) throw std::runtime_error("eSpeak NG took longer than 30 s");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("eSpeak NG could not speak the prompt with voice '" + voice.name + "'");
  if (wav.size() <= 44 || wav.compare(0, 4, "RIFF") != 0) throw std::runtime_error("eSpeak NG produced no sound for the prompt");
  // eSpeak NG writes its stream's header with unknown sizes (0xFFFFFFFF): set the real ones.
  auto put = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) wav[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  put(4, static_cast<std::uint32_t>(wav.size() - 8));
  put(40, static_cast<std::uint32_t>(wav.size() - 44));
  return wav;
}

}  // namespace agentd::content

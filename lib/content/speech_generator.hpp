// The builtin audio generator: the prompt spoken by eSpeak NG, as a 16-bit mono PCM WAV file.
// eSpeak NG keeps global state, so one synthesis runs at a time (a mutex); the same prompt
// and voice settings make the same samples.
#pragma once

#include <string>

namespace agentd::content {

struct Voice {
  std::string name = "en";  // an eSpeak NG voice: en, en-us, de, fr ...
  int rate = 175;           // words per minute, 80..450
  int pitch = 50;           // 0..99
};

// Throws std::runtime_error when eSpeak NG cannot start, speak, or takes over 30 s.
std::string speak_wav(const std::string& text, const Voice& voice);

}  // namespace agentd::content

// The builtin video generator: an H.264 MP4 (FFmpeg's libavcodec/libx264 and libavformat) of
// frames drawn with Cairo from the prompt, its shapes drifting over the clip. Bit-exact
// settings (one encoder thread, no version strings or dates) make the same bytes for the same
// prompt and input.
#pragma once

#include <string>

namespace agentd::content {

struct VideoSpec {
  int width = 320, height = 240;  // even, 16..1280
  int duration = 3;               // seconds, 1..30
  int fps = 24;                   // 1..60; at most 900 frames
};

// Throws std::runtime_error when encoding fails.
std::string make_mp4(const std::string& prompt, const VideoSpec& spec);

}  // namespace agentd::content

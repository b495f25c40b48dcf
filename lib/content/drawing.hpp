// Drawing shared by the builtin generators (image, the PDF's picture, video frames): a
// deterministic dice from the prompt, a picture of shapes and colours from it with the
// prompt's words on a band, and wrapped text. Cairo throughout.
#pragma once

#include <cairo.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace agentd::content {

// A deterministic stream of numbers from the prompt and input (FNV-1a seed, xorshift64*).
class Dice {
 public:
  explicit Dice(std::string_view text) {
    for (unsigned char c : text) state_ = (state_ ^ c) * 1099511628211ull;
    if (state_ == 0) state_ = 1;
  }
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 2685821657736338717ull;
  }
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }

 private:
  std::uint64_t state_ = 1469598103934665603ull;
};

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

// The prompt's words wrapped into lines that fit `width`, drawn from `top`.
void draw_words(cairo_t* cr, const std::string& prompt, double left, double top, double width, double size);
// Shapes and colours from the dice, then the words on a translucent band. `t` (0..1) moves the
// shapes along their own paths (a video's frames); 0 for a still.
void paint(cairo_t* cr, Dice& dice, const std::string& prompt, double w, double h, double t = 0);

}  // namespace agentd::content

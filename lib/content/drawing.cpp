#include "content/drawing.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

namespace agentd::content {
namespace {

std::vector<std::string> words_of(const std::string& prompt) {
  std::vector<std::string> words;
  std::istringstream in(prompt);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

}  // namespace

void draw_words(cairo_t* cr, const std::string& prompt, double left, double top, double width, double size) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, size);
  std::string line;
  double y = top;
  auto flush = [&] {
    if (line.empty()) return;
    cairo_move_to(cr, left, y);
    cairo_show_text(cr, line.c_str());
    y += size * 1.3;
    line.clear();
  };
  for (const auto& w : words_of(prompt)) {
    const std::string candidate = line.empty() ? w : line + " " + w;
    cairo_text_extents_t ext;
    cairo_text_extents(cr, candidate.c_str(), &ext);
    if (ext.x_advance > width && !line.empty()) {
      flush();
      line = w;
    } else {
      line = candidate;
    }
  }
  flush();
}

void paint(cairo_t* cr, Dice& dice, const std::string& prompt, double w, double h, double t) {
  const double hue = dice.unit();
  cairo_pattern_t* sky = cairo_pattern_create_linear(0, 0, w, h);
  cairo_pattern_add_color_stop_rgb(sky, 0, 0.3 + 0.7 * hue, 0.2 + 0.5 * dice.unit(), 0.4 + 0.6 * (1 - hue));
  cairo_pattern_add_color_stop_rgb(sky, 1, 0.1 * dice.unit(), 0.2 + 0.3 * dice.unit(), 0.3 + 0.5 * dice.unit());
  cairo_set_source(cr, sky);
  cairo_paint(cr);
  cairo_pattern_destroy(sky);
  const int shapes = 6 + static_cast<int>(dice.next() % 10);
  for (int i = 0; i < shapes; ++i) {
    cairo_set_source_rgba(cr, dice.unit(), dice.unit(), dice.unit(), 0.35 + 0.4 * dice.unit());
    // Each shape drifts on a circle of its own (a whole turn over the video).
    const double drift = 0.08 * std::min(w, h), turn = 2 * M_PI * (t + dice.unit());
    const double x = dice.unit() * w + (t > 0 ? drift * std::cos(turn) : 0), y = dice.unit() * h + (t > 0 ? drift * std::sin(turn) : 0);
    const double r = (0.05 + 0.2 * dice.unit()) * std::min(w, h);
    if (dice.next() % 2) cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    else cairo_rectangle(cr, x - r, y - r, 2 * r, 1.4 * r);
    cairo_fill(cr);
  }
  const double size = std::max(8.0, std::min(w, h) / 14);
  cairo_set_source_rgba(cr, 0, 0, 0, 0.45);
  cairo_rectangle(cr, 0, h * 0.62, w, h * 0.38);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  draw_words(cr, prompt, w * 0.05, h * 0.62 + size * 1.4, w * 0.9, size);
}

}  // namespace agentd::content

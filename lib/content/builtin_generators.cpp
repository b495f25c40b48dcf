#include "content/builtin_generators.hpp"

#include "content/glb_generator.hpp"
#include "content/speech_generator.hpp"
#include "core/errors.hpp"

#include <boost/json.hpp>

#include <cairo-pdf.h>
#include <cairo.h>

#include <cmath>
#include <tuple>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace agentd::content {
namespace json = boost::json;
namespace {

constexpr int kMinSide = 16, kMaxSide = 2048, kDefaultSide = 512;

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

std::int64_t side(const json::object& input, const char* name) {
  const json::value* v = input.if_contains(name);
  if (!v || v->is_null()) return kDefaultSide;
  if (!v->is_int64() || v->as_int64() < kMinSide || v->as_int64() > kMaxSide)
    throw invalid_field(std::string("input.") + name, "between", {{"min", kMinSide}, {"max", kMaxSide}},
                        std::string("input.") + name + " must be an integer between " + std::to_string(kMinSide) + " and " +
                            std::to_string(kMaxSide));
  return v->as_int64();
}

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

std::vector<std::string> words_of(const std::string& prompt) {
  std::vector<std::string> words;
  std::istringstream in(prompt);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// The prompt's words wrapped into lines that fit `width`, drawn from `top`.
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

// Shapes and colours from the dice, then the words on a translucent band.
void paint(cairo_t* cr, Dice& dice, const std::string& prompt, double w, double h) {
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
    const double x = dice.unit() * w, y = dice.unit() * h, r = (0.05 + 0.2 * dice.unit()) * std::min(w, h);
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

Generated image(const std::string& prompt, const json::object& input) {
  const int w = static_cast<int>(input.at("width").as_int64()), h = static_cast<int>(input.at("height").as_int64());
  Dice dice(prompt + "\n" + json::serialize(input));
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h), &cairo_surface_destroy);
  Context cr(cairo_create(surface.get()), &cairo_destroy);
  paint(cr.get(), dice, prompt, w, h);
  Generated g{{}, "image/png", "png"};
  cairo_surface_flush(surface.get());
  if (cairo_surface_write_to_png_stream(surface.get(), append, &g.bytes) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error("PNG encoding failed");
  return g;
}

// A one-page A4 PDF: the picture above, the prompt as the page's text.
Generated pdf(const std::string& prompt, const json::object& input) {
  Generated g{{}, "application/pdf", "pdf"};
  {
    const double w = 595, h = 842;
    Surface surface(cairo_pdf_surface_create_for_stream(append, &g.bytes, w, h), &cairo_surface_destroy);
    // A fixed date: the same prompt makes the same bytes.
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, "2026-01-01T00:00:00Z");
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, prompt.substr(0, 200).c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "agentd builtin/other");
    Context cr(cairo_create(surface.get()), &cairo_destroy);
    Dice dice(prompt + "\n" + json::serialize(input));
    cairo_save(cr.get());
    cairo_rectangle(cr.get(), 40, 40, w - 80, 360);
    cairo_clip(cr.get());
    cairo_translate(cr.get(), 40, 40);
    paint(cr.get(), dice, "", w - 80, 360);
    cairo_restore(cr.get());
    cairo_set_source_rgb(cr.get(), 0.1, 0.1, 0.1);
    draw_words(cr.get(), prompt, 40, 440, w - 80, 14);
    cairo_show_page(cr.get());
    cairo_surface_finish(surface.get());
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) throw std::runtime_error("PDF drawing failed");
  }
  return g;
}

}  // namespace

bool builtin_supports(const std::string& content_type) {
  return content_type == "image" || content_type == "other" || content_type == "glb" || content_type == "audio";
}

json::object builtin_input(const std::string& content_type, const json::object& input) {
  json::object out;
  if (content_type == "image") {
    out["width"] = side(input, "width");
    out["height"] = side(input, "height");
  }
  if (content_type == "audio") {
    const json::value* voice = input.if_contains("voice");
    if (voice && !voice->is_null() &&
        (!voice->is_string() || voice->as_string().empty() || voice->as_string().size() > 20 ||
         voice->as_string().find_first_not_of("abcdefghijklmnopqrstuvwxyz-") != std::string::npos))
      throw invalid_field("input.voice", "format", {}, "input.voice must be an eSpeak NG voice name such as en, en-us, de");
    out["voice"] = voice && voice->is_string() ? json::value(voice->as_string()) : json::value("en");
    for (const auto& [name, lo, hi, fallback] : {std::tuple{"rate", 80, 450, 175}, std::tuple{"pitch", 0, 99, 50}}) {
      const json::value* v = input.if_contains(name);
      if (v && !v->is_null() && (!v->is_int64() || v->as_int64() < lo || v->as_int64() > hi))
        throw invalid_field(std::string("input.") + name, "between", {{"min", lo}, {"max", hi}},
                            std::string("input.") + name + " must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi));
      out[name] = v && !v->is_null() ? v->as_int64() : fallback;
    }
  }
  if (content_type == "glb") {
    const json::value* v = input.if_contains("segments");
    if (v && !v->is_null() && (!v->is_int64() || v->as_int64() < 8 || v->as_int64() > 128))
      throw invalid_field("input.segments", "between", {{"min", 8}, {"max", 128}}, "input.segments must be an integer between 8 and 128");
    out["segments"] = v && !v->is_null() ? v->as_int64() : 32;
  }
  return out;
}

Generated generate_builtin(const std::string& content_type, const std::string& prompt, const json::object& input) {
  if (content_type == "image") return image(prompt, input);
  if (content_type == "other") return pdf(prompt, input);
  if (content_type == "audio") {
    // A spoken prompt of at most 1,000 characters: about a minute and a half.
    const Voice voice{std::string(input.at("voice").as_string()), static_cast<int>(input.at("rate").as_int64()),
                      static_cast<int>(input.at("pitch").as_int64())};
    return {speak_wav(prompt.substr(0, 1000), voice), "audio/wav", "wav"};
  }
  if (content_type == "glb") return {make_glb(prompt, static_cast<int>(input.at("segments").as_int64())), "model/gltf-binary", "glb"};
  throw std::runtime_error("the builtin model does not make " + content_type + " content yet");
}

}  // namespace agentd::content

#include "content/builtin_generators.hpp"

#include "content/drawing.hpp"
#include "content/glb_generator.hpp"
#include "content/speech_generator.hpp"
#include "content/video_generator.hpp"
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

std::int64_t side(const json::object& input, const char* name) {
  const json::value* v = input.if_contains(name);
  if (!v || v->is_null()) return kDefaultSide;
  if (!v->is_int64() || v->as_int64() < kMinSide || v->as_int64() > kMaxSide)
    throw invalid_field(std::string("input.") + name, "between", {{"min", kMinSide}, {"max", kMaxSide}},
                        std::string("input.") + name + " must be an integer between " + std::to_string(kMinSide) + " and " +
                            std::to_string(kMaxSide));
  return v->as_int64();
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

Generated image(const std::string& prompt, const json::object& input) {
  const int w = static_cast<int>(input.at("width").as_int64()), h = static_cast<int>(input.at("height").as_int64());
  Dice dice(prompt + "\n" + json::serialize(input));
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h), &cairo_surface_destroy);
  Context cr(cairo_create(surface.get()), &cairo_destroy);
  paint(cr.get(), dice, prompt, w, h);
  Generated g{{}, "image/png"};
  cairo_surface_flush(surface.get());
  if (cairo_surface_write_to_png_stream(surface.get(), append, &g.bytes) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error("PNG encoding failed");
  return g;
}

// A one-page A4 PDF: the picture above, the prompt as the page's text.
Generated pdf(const std::string& prompt, const json::object& input) {
  Generated g{{}, "application/pdf"};
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
  return content_type == "image" || content_type == "other" || content_type == "glb" || content_type == "audio" ||
         content_type == "video";
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
  if (content_type == "video") {
    auto bounded = [&](const char* name, int lo, int hi, int fallback, bool even) {
      const json::value* v = input.if_contains(name);
      if (!v || v->is_null()) return fallback;
      if (!v->is_int64() || v->as_int64() < lo || v->as_int64() > hi || (even && v->as_int64() % 2 != 0))
        throw invalid_field(std::string("input.") + name, "between", {{"min", lo}, {"max", hi}},
                            std::string("input.") + name + " must be " + (even ? "an even" : "an") + " integer between " +
                                std::to_string(lo) + " and " + std::to_string(hi));
      return static_cast<int>(v->as_int64());
    };
    out["width"] = bounded("width", 16, 1280, 320, true);
    out["height"] = bounded("height", 16, 720, 240, true);
    out["duration"] = bounded("duration", 1, 30, 3, false);
    out["fps"] = bounded("fps", 1, 60, 24, false);
    if (out["duration"].as_int64() * out["fps"].as_int64() > 900)
      throw invalid_field("input.duration", "max", {{"max", 900}}, "input.duration times input.fps must be at most 900 frames");
  }
  if (content_type == "glb") {
    const json::value* v = input.if_contains("segments");
    if (v && !v->is_null() && (!v->is_int64() || v->as_int64() < 8 || v->as_int64() > 128))
      throw invalid_field("input.segments", "between", {{"min", 8}, {"max", 128}}, "input.segments must be an integer between 8 and 128");
    out["segments"] = v && !v->is_null() ? v->as_int64() : 32;
  }
  return out;
}

const char* builtin_extension(const std::string& type) {
  if (type == "image") return "png";
  if (type == "audio") return "wav";
  if (type == "video") return "mp4";
  if (type == "glb") return "glb";
  return "pdf";
}

Generated generate_builtin(const std::string& content_type, const std::string& prompt, const json::object& input) {
  if (content_type == "image") return image(prompt, input);
  if (content_type == "other") return pdf(prompt, input);
  if (content_type == "audio") {
    // A spoken prompt of at most 1,000 characters: about a minute and a half.
    const Voice voice{std::string(input.at("voice").as_string()), static_cast<int>(input.at("rate").as_int64()),
                      static_cast<int>(input.at("pitch").as_int64())};
    return {speak_wav(prompt.substr(0, 1000), voice), "audio/wav"};
  }
  if (content_type == "video") {
    const VideoSpec spec{static_cast<int>(input.at("width").as_int64()), static_cast<int>(input.at("height").as_int64()),
                         static_cast<int>(input.at("duration").as_int64()), static_cast<int>(input.at("fps").as_int64())};
    return {make_mp4(prompt, spec), "video/mp4"};
  }
  if (content_type == "glb") return {make_glb(prompt, static_cast<int>(input.at("segments").as_int64())), "model/gltf-binary"};
  throw std::runtime_error("the builtin model does not make " + content_type + " content yet");
}

}  // namespace agentd::content

// The builtin content generators (API.md 3.5): real files made offline from the prompt and the
// input, the same bytes for the same prompt and input. Drawn with Cairo: image -> PNG (the
// prompt's words over shapes and colours derived from it), other -> a one-page PDF; glb -> a
// glTF 2.0 binary of a mesh shaped by the prompt (glb_generator.hpp); audio -> the prompt
// spoken by eSpeak NG as a WAV (speech_generator.hpp); video -> an H.264 MP4 of frames drawn
// with Cairo (video_generator.hpp). CPU work: callers run them off the io thread (the content
// service on its generation pool).
#pragma once

#include <boost/json/object.hpp>

#include <string>

namespace agentd::content {

struct Generated {
  std::string bytes;
  std::string mime;  // image/png
};

// The extension of what the builtin makes of a type: png, wav, mp4, glb, pdf.
const char* builtin_extension(const std::string& content_type);

// Whether the builtin model makes this type (all five types).
bool builtin_supports(const std::string& content_type);
// The input the generator will use, defaults filled in; throws AppError bad_request naming the
// field (input.width ...) when a value is out of its bounds.
boost::json::object builtin_input(const std::string& content_type, const boost::json::object& input);
// Throws std::runtime_error when generation fails.
Generated generate_builtin(const std::string& content_type, const std::string& prompt, const boost::json::object& input);

}  // namespace agentd::content

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentd::knowledge {

// Strict standard base64 (whitespace ignored). On failure `error` is "Invalid character" or
// "Invalid padding", the wording of the seed's invalid_base64 message.
std::optional<std::string> decode_base64(std::string_view in, std::string& error);

// The same decoding, fed in pieces (a long JSON string as the parser hands it over): feed()
// appends what it decoded to `out`; false (and error() set) at the first bad symbol; finish()
// checks the padding once the text is complete.
class Base64Decoder {
 public:
  bool feed(std::string_view in, std::string& out);
  bool finish();
  const std::string& error() const { return error_; }

 private:
  unsigned buffer_ = 0;
  int bits_ = 0, padding_ = 0;
  std::size_t symbols_ = 0;
  std::string error_;
};
std::string encode_base64(std::string_view in);

}  // namespace agentd::knowledge

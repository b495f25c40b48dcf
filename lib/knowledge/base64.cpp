#include "knowledge/base64.hpp"

#include <array>

namespace agentd::knowledge {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<signed char, 256> make_table() {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  return t;
}
constexpr auto kTable = make_table();
}  // namespace

bool Base64Decoder::feed(std::string_view in, std::string& out) {
  if (!error_.empty()) return false;
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding_;
      ++symbols_;
      continue;
    }
    if (padding_ > 0 || kTable[c] < 0) {
      error_ = padding_ > 0 ? "Invalid padding" : "Invalid character";
      return false;
    }
    buffer_ = (buffer_ << 6) | static_cast<unsigned>(kTable[c]);
    bits_ += 6;
    ++symbols_;
    if (bits_ >= 8) {
      bits_ -= 8;
      out.push_back(static_cast<char>((buffer_ >> bits_) & 0xFF));
    }
  }
  return true;
}

bool Base64Decoder::finish() {
  if (!error_.empty()) return false;
  if (symbols_ % 4 != 0 || padding_ > 2 || (padding_ > 0 && (buffer_ & ((1u << bits_) - 1)) != 0)) {
    error_ = "Invalid padding";
    return false;
  }
  return true;
}

std::optional<std::string> decode_base64(std::string_view in, std::string& error) {
  std::string out;
  out.reserve(in.size() / 4 * 3);
  Base64Decoder decoder;
  if (!decoder.feed(in, out) || !decoder.finish()) {
    error = decoder.error();
    return std::nullopt;
  }
  return out;
}

std::string encode_base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

}  // namespace agentd::knowledge

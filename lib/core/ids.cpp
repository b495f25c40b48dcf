#include "core/ids.hpp"

#include <openssl/rand.h>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace agentd {
namespace {

void fill_random(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

}  // namespace

std::string random_hex(std::size_t chars) {
  static const char digits[] = "0123456789abcdef";
  std::vector<unsigned char> bytes((chars + 1) / 2);
  fill_random(bytes.data(), bytes.size());
  std::string out;
  out.reserve(chars);
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  out.resize(chars);
  return out;
}

std::string random_base62(std::size_t chars) {
  static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  out.reserve(chars);
  unsigned char buf[64];
  while (out.size() < chars) {
    fill_random(buf, sizeof buf);
    for (unsigned char b : buf) {
      // 248 = 4 * 62: rejecting the rest keeps every character equally likely.
      if (b < 248 && out.size() < chars) out.push_back(alphabet[b % 62]);
    }
  }
  return out;
}

std::string uuid_v4() {
  unsigned char b[16];
  fill_random(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(digits[b[i] >> 4]);
    out.push_back(digits[b[i] & 0xf]);
  }
  return out;
}

std::string request_id() {
  static std::atomic<std::uint64_t> next = [] {
    std::uint64_t seed = 0;
    fill_random(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
    return seed;
  }();
  std::uint64_t v = next.fetch_add(0x9E3779B97F4A7C15ull, std::memory_order_relaxed);
  static const char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = digits[v & 0xf];
  return out;
}

std::string slugify(const std::string& name) {
  std::string out;
  bool dash = false;
  for (unsigned char c : name) {
    if (std::isalnum(c) && c < 128) {
      if (dash && !out.empty()) out.push_back('-');
      out.push_back(static_cast<char>(std::tolower(c)));
      dash = false;
    } else {
      dash = true;
    }
  }
  if (out.size() > 48) out.resize(48);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace agentd

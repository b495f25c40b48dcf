#include "core/money.hpp"

#include <limits>

namespace agentd {

std::string format_credits(Micros micros) {
  const bool negative = micros < 0;
  // Work in unsigned so that INT64_MIN is representable.
  std::uint64_t v = negative ? 0 - static_cast<std::uint64_t>(micros) : static_cast<std::uint64_t>(micros);
  std::string frac = std::to_string(v % kMicrosPerCredit);
  frac.insert(0, 6 - frac.size(), '0');
  return (negative ? "-" : "") + std::to_string(v / kMicrosPerCredit) + "." + frac;
}

std::optional<Micros> parse_credits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 12 || frac.size() > 6) return std::nullopt;
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
  Micros value = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  Micros f = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    f = f * 10 + (c - '0');
  }
  return value * kMicrosPerCredit + f;
}

Micros token_price(Micros base, Micros per_1000_tokens, std::int64_t tokens) {
  if (tokens < 0) tokens = 0;
  return base + (per_1000_tokens * tokens + 999) / 1000;
}

Micros per_started_mb_price(Micros per_mb, std::int64_t bytes) {
  const std::int64_t mb = bytes <= 0 ? 1 : (bytes + 999'999) / 1'000'000;
  return per_mb * mb;
}

}  // namespace agentd

// Credits are integer micro-credits (1 credit = 1,000,000 micros); never floating point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentd {

using Micros = std::int64_t;
inline constexpr Micros kMicrosPerCredit = 1'000'000;

// "12.345678" (always six decimals, '-' for negatives).
std::string format_credits(Micros micros);
// Accepts "100", "0.5", "12.345678" (at most six decimals, no sign, no exponent).
std::optional<Micros> parse_credits(std::string_view text);
// base + per_1000_tokens * tokens / 1000, rounded up to a whole micro.
Micros token_price(Micros base, Micros per_1000_tokens, std::int64_t tokens);
// price per started megabyte (1 MB = 1,000,000 bytes); 0 bytes costs one MB.
Micros per_started_mb_price(Micros per_mb, std::int64_t bytes);

}  // namespace agentd

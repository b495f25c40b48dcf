#include "core/money.hpp"

#include <gtest/gtest.h>

using namespace agentd;

TEST(Money, FormatsSixDecimals) {
  EXPECT_EQ(format_credits(0), "0.000000");
  EXPECT_EQ(format_credits(12'345'678), "12.345678");
  EXPECT_EQ(format_credits(2'000), "0.002000");
  EXPECT_EQ(format_credits(-500), "-0.000500");
  EXPECT_EQ(format_credits(INT64_MIN), "-9223372036854.775808");
}

TEST(Money, ParsesDecimalAmounts) {
  EXPECT_EQ(parse_credits("100"), 100'000'000);
  EXPECT_EQ(parse_credits("0.5"), 500'000);
  EXPECT_EQ(parse_credits("12.345678"), 12'345'678);
  EXPECT_EQ(parse_credits("0.000001"), 1);
  for (const char* bad : {"", "-1", "1.", ".5", "1.0000001", "1e3", "abc", "1,5", "9999999999999"})
    EXPECT_FALSE(parse_credits(bad)) << bad;
}

TEST(Money, TokenPriceRoundsUpToWholeMicros) {
  EXPECT_EQ(token_price(2'000, 500, 0), 2'000);
  EXPECT_EQ(token_price(2'000, 500, 1'000), 2'500);
  EXPECT_EQ(token_price(2'000, 500, 1), 2'001);  // 0.5 micro rounds up
  EXPECT_EQ(token_price(2'000, 500, 2'345), 3'173);
}

TEST(Money, UploadsAreBilledPerStartedMegabyte) {
  EXPECT_EQ(per_started_mb_price(1'000, 0), 1'000);
  EXPECT_EQ(per_started_mb_price(1'000, 1), 1'000);
  EXPECT_EQ(per_started_mb_price(1'000, 1'000'000), 1'000);
  EXPECT_EQ(per_started_mb_price(1'000, 1'000'001), 2'000);
  EXPECT_EQ(per_started_mb_price(1'000, 10'485'760), 11'000);
}

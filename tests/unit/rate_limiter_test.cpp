#include "access/rate_limiter.hpp"

#include <gtest/gtest.h>

using namespace agentd;
using namespace agentd::access;

namespace {
const Limits kBasic{60, 1000, 5};
}

TEST(TokenBucket, AdmitsAtExactlyOneToken) {
  TokenBucket b(1, 60, 0);
  EXPECT_TRUE(b.has_token());
  b.take();
  EXPECT_FALSE(b.has_token());
  b.refill(59.999);
  EXPECT_FALSE(b.has_token());
  b.refill(60.0);
  EXPECT_TRUE(b.has_token());  // tokens == 1.0 admits
}

TEST(RateLimiter, BasicPlanAdmitsExactly60ThenRefusesThe61st) {
  ManualClock clock;
  RateLimiter limiter(clock);
  for (int i = 0; i < 60; ++i) {
    auto a = limiter.admit("k", kBasic);
    ASSERT_EQ(a.outcome, Admission::Outcome::admitted) << "request " << i + 1;
    a.slot.release();
  }
  auto refused = limiter.admit("k", kBasic);
  EXPECT_EQ(refused.outcome, Admission::Outcome::rate_limited);
  EXPECT_STREQ(refused.window, "minute");
  EXPECT_EQ(refused.limit, 60);
  EXPECT_EQ(refused.retry_after, 1);
  EXPECT_EQ(refused.snapshot.minute.remaining, 0);
}

TEST(RateLimiter, RefillsContinuouslyOverTime) {
  ManualClock clock;
  RateLimiter limiter(clock);
  for (int i = 0; i < 60; ++i) limiter.admit("k", kBasic).slot.release();
  EXPECT_EQ(limiter.admit("k", kBasic).outcome, Admission::Outcome::rate_limited);
  clock.advance(0.5);
  auto half = limiter.admit("k", kBasic);
  EXPECT_EQ(half.outcome, Admission::Outcome::rate_limited);
  EXPECT_EQ(half.retry_after, 1);  // half a token: rounded up to a whole second
  clock.advance(0.5);
  EXPECT_EQ(limiter.admit("k", kBasic).outcome, Admission::Outcome::admitted);
  EXPECT_EQ(limiter.admit("k", kBasic).outcome, Admission::Outcome::rate_limited);
  clock.advance(30);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(limiter.admit("k", kBasic).outcome, Admission::Outcome::admitted);
  EXPECT_EQ(limiter.admit("k", kBasic).outcome, Admission::Outcome::rate_limited);
}

TEST(RateLimiter, HourBucketRefusesWhenMinuteBucketStillHasTokens) {
  ManualClock clock;
  RateLimiter limiter(clock);
  const Limits l{60, 100, 5};
  for (int i = 0; i < 60; ++i) ASSERT_EQ(limiter.admit("k", l).outcome, Admission::Outcome::admitted);
  clock.advance(60);
  // The minute bucket is full again; the hour bucket holds 40 + 100 * 60 / 3600 = 41.67 tokens.
  int admitted = 0;
  while (limiter.admit("k", l).outcome == Admission::Outcome::admitted) ++admitted;
  EXPECT_EQ(admitted, 41);
  auto a = limiter.admit("k", l);
  EXPECT_EQ(a.outcome, Admission::Outcome::rate_limited);
  EXPECT_STREQ(a.window, "hour");
  EXPECT_EQ(a.limit, 100);
  EXPECT_EQ(a.snapshot.minute.remaining, 19);
  EXPECT_EQ(a.snapshot.hour.remaining, 0);
  // 0.67 tokens held; a whole token takes (1 - 0.67) * 36 s = 12 s.
  EXPECT_EQ(a.retry_after, 12);
}

TEST(RateLimiter, ConcurrencySlotsAreHeldUntilReleased) {
  ManualClock clock;
  RateLimiter limiter(clock);
  const Limits l{1000, 10000, 2};
  auto a = limiter.admit("k", l);
  auto b = limiter.admit("k", l);
  ASSERT_EQ(a.outcome, Admission::Outcome::admitted);
  ASSERT_EQ(b.outcome, Admission::Outcome::admitted);
  auto c = limiter.admit("k", l);
  EXPECT_EQ(c.outcome, Admission::Outcome::concurrency_limited);
  EXPECT_EQ(c.limit, 2);
  EXPECT_EQ(c.retry_after, 1);
  EXPECT_EQ(limiter.in_flight("k"), 2);
  {
    ConcurrencySlot moved = std::move(a.slot);  // a stream takes its slot along
    EXPECT_EQ(limiter.in_flight("k"), 2);
  }
  EXPECT_EQ(limiter.in_flight("k"), 1);
  EXPECT_EQ(limiter.admit("k", l).outcome, Admission::Outcome::admitted);
}

TEST(RateLimiter, RefusedConcurrencyTakesNoToken) {
  ManualClock clock;
  RateLimiter limiter(clock);
  const Limits l{3, 100, 1};
  auto held = limiter.admit("k", l);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.admit("k", l).outcome, Admission::Outcome::concurrency_limited);
  held.slot.release();
  EXPECT_EQ(limiter.admit("k", l).snapshot.minute.remaining, 1);
}

TEST(RateLimiter, SnapshotGivesRemainingAndResetTime) {
  ManualClock clock(1'000'000.0);
  RateLimiter limiter(clock);
  auto a = limiter.admit("k", kBasic);
  EXPECT_EQ(a.snapshot.minute.limit, 60);
  EXPECT_EQ(a.snapshot.minute.remaining, 59);
  EXPECT_EQ(a.snapshot.hour.limit, 1000);
  EXPECT_EQ(a.snapshot.hour.remaining, 999);
  const double now = clock.unix_seconds();
  EXPECT_EQ(a.snapshot.minute.reset_unix, static_cast<long long>(std::ceil(now + 1.0)));
  EXPECT_EQ(a.snapshot.hour.reset_unix, static_cast<long long>(std::ceil(now + 3.6)));
}

TEST(RateLimiter, KeysAreIndependentAndLimitsCanChange) {
  ManualClock clock;
  RateLimiter limiter(clock);
  const Limits one{1, 100, 5};
  EXPECT_EQ(limiter.admit("a", one).outcome, Admission::Outcome::admitted);
  EXPECT_EQ(limiter.admit("a", one).outcome, Admission::Outcome::rate_limited);
  EXPECT_EQ(limiter.admit("b", one).outcome, Admission::Outcome::admitted);
  // The operator raises the key's limit: the tokens held stay, the capacity grows.
  const Limits more{120, 100, 5};
  EXPECT_EQ(limiter.admit("a", more).outcome, Admission::Outcome::rate_limited);
  clock.advance(1);
  EXPECT_EQ(limiter.admit("a", more).outcome, Admission::Outcome::admitted);
}

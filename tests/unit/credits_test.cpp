#include "access/accounts.hpp"
#include "access/credits.hpp"
#include "core/errors.hpp"
#include "db/store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

using namespace agentd;
using namespace agentd::access;

namespace {

class CreditsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("agentd-credits-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = std::make_unique<db::Store>(dir_.string(), 4);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Organization org(Micros credits) {
    return store_->write([&](db::Conn& c) { return create_org(c, "acme", "Acme", "pro", credits); });
  }
  CreditsView view(std::int64_t org_id) {
    return store_->read([&](db::Conn& c) { return read_credits(c, org_id, 100, 0); });
  }
  std::filesystem::path dir_;
  std::unique_ptr<db::Store> store_;
};

}  // namespace

TEST_F(CreditsTest, ReserveSettleAndReleaseKeepTheLedger) {
  auto o = org(1'000'000);
  auto r = store_->write([&](db::Conn& c) { return reserve_credits(c, o.id, "key_1", 2'000, "req-1"); });
  EXPECT_EQ(view(o.id).reserved, 2'000);
  const Micros charged = store_->write([&](db::Conn& c) { return settle_credits(c, r, 2'500, "chat"); });
  EXPECT_EQ(charged, 2'500);  // more than estimated, still within the balance
  auto v = view(o.id);
  EXPECT_EQ(v.balance, 997'500);
  EXPECT_EQ(v.reserved, 0);
  ASSERT_EQ(v.transactions.size(), 2u);
  EXPECT_EQ(v.transactions[0].kind, "charge");
  EXPECT_EQ(v.transactions[0].amount, -2'500);
  EXPECT_EQ(v.transactions[0].balance_after, 997'500);
  EXPECT_EQ(v.transactions[0].reference_id, r.id);
  EXPECT_EQ(v.transactions[1].kind, "grant");
  // Settling twice charges nothing.
  EXPECT_EQ(store_->write([&](db::Conn& c) { return settle_credits(c, r, 2'500, "chat"); }), 0);

  auto r2 = store_->write([&](db::Conn& c) { return reserve_credits(c, o.id, "key_1", 5'000, "req-2"); });
  store_->write([&](db::Conn& c) { release_credits(c, r2); });
  v = view(o.id);
  EXPECT_EQ(v.balance, 997'500);
  EXPECT_EQ(v.reserved, 0);
  EXPECT_EQ(v.total, 2);
}

TEST_F(CreditsTest, RefusesWhenTheSpendableBalanceIsShort) {
  auto o = org(500);
  try {
    store_->write([&](db::Conn& c) { return reserve_credits(c, o.id, "k", 2'000, "r"); });
    FAIL() << "expected 402";
  } catch (const AppError& e) {
    EXPECT_EQ(e.kind, ErrorKind::payment_required);
    EXPECT_EQ(e.code, "insufficient_credits");
    EXPECT_EQ(e.extra.at("required").as_string(), "0.002000");
    EXPECT_EQ(e.extra.at("available").as_string(), "0.000500");
  }
}

TEST_F(CreditsTest, SettlingAboveTheBalanceChargesOnlyWhatIsLeft) {
  auto o = org(3'000);
  auto a = store_->write([&](db::Conn& c) { return reserve_credits(c, o.id, "k", 1'000, "a"); });
  auto b = store_->write([&](db::Conn& c) { return reserve_credits(c, o.id, "k", 1'000, "b"); });
  // a ran long: it may take what b does not hold, never more.
  EXPECT_EQ(store_->write([&](db::Conn& c) { return settle_credits(c, a, 10'000, "long"); }), 2'000);
  EXPECT_EQ(store_->write([&](db::Conn& c) { return settle_credits(c, b, 1'000, "b"); }), 1'000);
  EXPECT_EQ(view(o.id).balance, 0);
}

TEST_F(CreditsTest, FiftyConcurrentReservationsNeverDriveTheBalanceNegative) {
  auto o = org(10'000);  // room for exactly five requests of 0.002
  std::atomic<int> admitted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      try {
        auto r = store_->write([&](db::Conn& c) { return reserve_credits(c, o.id, "k", 2'000, std::to_string(i)); });
        ++admitted;
        store_->write([&](db::Conn& c) { return settle_credits(c, r, 2'000, "work"); });
      } catch (const AppError& e) {
        EXPECT_EQ(e.kind, ErrorKind::payment_required);
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 5);
  EXPECT_EQ(refused.load(), 45);
  auto v = view(o.id);
  EXPECT_EQ(v.balance, 0);
  EXPECT_EQ(v.reserved, 0);
  EXPECT_EQ(v.total, 6);
  for (const auto& t : v.transactions) EXPECT_GE(t.balance_after, 0);
}

TEST_F(CreditsTest, RestartReleasesOpenReservations) {
  auto o = org(10'000);
  store_->write([&](db::Conn& c) { return reserve_credits(c, o.id, "k", 4'000, "x"); });
  EXPECT_EQ(store_->write([&](db::Conn& c) { return release_all_reservations(c); }), 1);
  EXPECT_EQ(view(o.id).reserved, 0);
  EXPECT_EQ(view(o.id).balance, 10'000);
}

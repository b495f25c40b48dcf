#include "db/store.hpp"
#include "jobs/queue.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace agentd;
using namespace agentd::jobs;

namespace {

class JobQueue : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("agentd-jobs-" + std::to_string(::getpid()) + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = std::make_unique<db::Store>(dir_.string(), 1);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::int64_t add(const std::string& kind, double now, int max_attempts = 3, double delay = 0) {
    return store_->write([&](db::Conn& c) {
      return enqueue(c, {kind, std::nullopt, {{"file", "a.txt"}}, max_attempts, delay}, now);
    });
  }
  std::vector<Job> claim(const std::string& kind, double now, int limit = 10, double lease = 60) {
    return store_->write([&](db::Conn& c) { return claim_due(c, kind, limit, now, lease); });
  }
  JobRow row(std::int64_t id) {
    return *store_->read([&](db::Conn& c) { return find_job(c, id); });
  }
  std::filesystem::path dir_;
  std::unique_ptr<db::Store> store_;
};

}  // namespace

TEST_F(JobQueue, ClaimsDueJobsOfItsKindInOrderWithALease) {
  const auto a = add("index", 100);
  const auto b = add("index", 100);
  add("index", 100, 3, 50);  // not due before 150
  add("render", 100);
  auto jobs = claim("index", 120, 10, 30);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].id, a);
  EXPECT_EQ(jobs[1].id, b);
  EXPECT_EQ(jobs[0].attempts, 1);
  EXPECT_EQ(jobs[0].lease_until, 150);
  EXPECT_EQ(jobs[0].payload.at("file").as_string(), "a.txt");
  EXPECT_EQ(row(a).state, "running");
  EXPECT_TRUE(claim("index", 120).empty());  // nothing else due, running ones are not claimed twice
  EXPECT_EQ(claim("index", 150, 1).size(), 1u);
}

TEST_F(JobQueue, TransientErrorsBackOffExponentiallyThenFail) {
  const auto id = add("index", 0, 3);
  auto j = claim("index", 0).at(0);
  EXPECT_EQ(store_->write([&](db::Conn& c) { return retry_or_fail(c, j, "disk busy", 10); }), "pending");
  EXPECT_EQ(row(id).run_after, 11);  // 1 s after the first failure
  EXPECT_TRUE(claim("index", 10.5).empty());
  j = claim("index", 11).at(0);
  EXPECT_EQ(j.attempts, 2);
  store_->write([&](db::Conn& c) { return retry_or_fail(c, j, "disk busy", 20); });
  EXPECT_EQ(row(id).run_after, 22);  // then 2 s
  j = claim("index", 22).at(0);
  EXPECT_EQ(store_->write([&](db::Conn& c) { return retry_or_fail(c, j, "disk busy", 30); }), "failed");
  EXPECT_EQ(row(id).state, "failed");
  EXPECT_EQ(row(id).last_error, "disk busy (gave up after 3 attempts)");
  EXPECT_EQ(backoff_seconds(20), 300);
}

TEST_F(JobQueue, PermanentErrorsFailAtOnceWithTheReason) {
  const auto id = add("index", 0, 5);
  auto j = claim("index", 0).at(0);
  EXPECT_TRUE(store_->write([&](db::Conn& c) { return fail_permanently(c, j, "DOCX is not a valid zip archive", 1); }));
  EXPECT_EQ(row(id).state, "failed");
  EXPECT_EQ(row(id).last_error, "DOCX is not a valid zip archive");
}

TEST_F(JobQueue, TheWatchdogFailsOverrunsAndLateResultsChangeNothing) {
  const auto id = add("index", 0);
  auto j = claim("index", 0, 10, 30).at(0);
  EXPECT_TRUE(store_->write([&](db::Conn& c) { return expire_leases(c, 29); }).empty());
  auto expired = store_->write([&](db::Conn& c) { return expire_leases(c, 31); });
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(row(id).state, "failed");
  EXPECT_EQ(row(id).last_error, "timed out: the job overran its lease");
  EXPECT_FALSE(store_->write([&](db::Conn& c) { return complete(c, j, 40); }));
  EXPECT_EQ(row(id).state, "failed");
}

TEST_F(JobQueue, ARestartPutsRunningJobsBackUnlessTheirAttemptsAreSpent) {
  const auto fresh = add("index", 0, 3);
  const auto spent = add("index", 0, 1);
  claim("index", 0);
  const auto waiting = add("index", 0);
  auto recovery = store_->write([&](db::Conn& c) { return recover_after_restart(c, 100); });
  EXPECT_EQ(recovery.resumed, 1);
  ASSERT_EQ(recovery.failed.size(), 1u);
  EXPECT_EQ(recovery.failed[0].id, spent);
  EXPECT_EQ(row(fresh).state, "pending");
  EXPECT_EQ(row(fresh).last_error, "interrupted by a server restart");
  EXPECT_EQ(row(spent).state, "failed");
  EXPECT_EQ(row(spent).last_error, "interrupted by a server restart 1 times");
  EXPECT_EQ(row(waiting).state, "pending");
  auto again = claim("index", 100);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].attempts, 2);
  auto d = store_->read([](db::Conn& c) { return depth(c); });
  EXPECT_EQ((d[{"index", "running"}]), 2);
  EXPECT_EQ((d[{"index", "failed"}]), 1);
}

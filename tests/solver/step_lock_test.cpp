#include "solver/step_lock.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/file_util.h"
#include "solver/solver.h"

namespace gantry::solver {

namespace {

using namespace std::chrono_literals;

// Spins until `done` holds or `limit` has passed.
template <typename Done>
bool wait_until(Done done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done())
    if (std::chrono::steady_clock::now() > end)
      return false;
    else
      std::this_thread::sleep_for(1ms);
  return true;
}

}  // namespace

TEST(StepLock, ThoseOfOneProcessExcludeEachOther) {
  TempDir locks(std::filesystem::temp_directory_path());
  std::atomic<bool> cancel{false};
  const Digest key = sha256_of("step");
  std::atomic<int> holders{0}, most{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      with_step_lock(locks.path(), key, cancel, [&] {
        most = std::max(most.load(), ++holders);
        std::this_thread::sleep_for(20ms);
        --holders;
      });
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(most, 1);
}

// Step A holds the lock and waits for a task of its own that another thread runs; meanwhile
// step C, elsewhere, makes step B ready, and B wants the same lock. A's waiting thread must not
// take B: B would wait for A's lock on top of A's stack, and neither could ever finish.
TEST(StepLock, AWaitWhileHoldingItRunsNoOtherStep) {
  TempDir locks(std::filesystem::temp_directory_path());
  std::atomic<bool> cancel{false};
  const Digest key = sha256_of("step");
  // A, A's second task and C each on a thread of their own, on any machine (as the solver's).
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 3);
  tbb::task_arena arena(3);
  std::atomic<bool> a_done{false}, helped{false}, b_started{false}, b_cancelled{false};
  std::atomic<std::thread::id> a_thread, b_thread;

  // Ends B's wait for the lock if the two deadlocked, so that the test ends.
  std::thread watchdog([&] {
    if (!wait_until([&] { return a_done.load(); }, 10s)) cancel = true;
  });
  arena.execute([&] {
    tbb::task_group steps;
    auto step_b = [&] {
      b_thread = std::this_thread::get_id();
      b_started = true;
      try {
        with_step_lock(locks.path(), key, cancel, [] {});
      } catch (const Cancelled&) {
        b_cancelled = true;
      }
    };
    steps.run([&] {  // C: once A waits, makes B ready (as a finished step does its successor)
      // and stays busy, so that only A's waiting thread is free to take B.
      wait_until([&] { return helped.load(); }, 2s);
      steps.run(step_b);
      wait_until([&] { return b_started.load(); }, 1s);
    });
    steps.run([&] {  // A
      with_step_lock(locks.path(), key, cancel, [&] {
        a_thread = std::this_thread::get_id();
        tbb::parallel_for(
            0, 2,
            [&](int i) {
              if (i == 0) {  // keeps A's thread here until another thread has taken task 1
                wait_until([&] { return helped.load(); }, 2s);
                return;
              }
              helped = std::this_thread::get_id() != a_thread.load();
              wait_until([&] { return b_started.load(); }, 1s);
            },
            tbb::simple_partitioner());
      });
      a_done = true;
    });
    steps.wait();
  });
  watchdog.join();
  ASSERT_TRUE(helped) << "the scene needs another thread to take A's second task";
  ASSERT_TRUE(b_started);
  EXPECT_FALSE(b_cancelled) << "B ran on A's waiting thread and waited for A's lock";
  EXPECT_NE(b_thread.load(), a_thread.load());
}

}  // namespace gantry::solver

// The build cache seen from outside: which steps re-run after which change, parallel stages,
// concurrent builds on one root, and builds killed at random moments.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// True when a step printed `marker` as a whole log line ("#5 0.012 ran-a"), as opposed to the
// step's own description ("#5 [2/6] RUN ... && echo ran-a").
bool step_printed(const std::string& output, const std::string& marker) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    auto first = line.find(' '), second = line.find(' ', first + 1);
    if (line.starts_with("#") && second != std::string::npos && line.substr(second + 1) == marker &&
        std::isdigit(static_cast<unsigned char>(line[first + 1])))
      return true;
  }
  return false;
}

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    context_ = env_.scratch() / "ctx";
    fs::copy(testdata("cache-steps"), context_, fs::copy_options::recursive);
  }

  // Builds the context with plain progress; returns the output that tells which steps ran.
  std::string build(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"build", "--progress=plain", "--network=none"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(context_.string());
    auto o = env_.gantry(args);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.err;
  }
  static bool ran(const std::string& output, const std::string& marker) {
    return step_printed(output, marker);
  }

  GantryEnv env_;
  fs::path context_;
};

}  // namespace

TEST_F(CacheTest, WarmRebuildRunsNothing) {
  auto first = build();
  EXPECT_TRUE(ran(first, "ran-a") && ran(first, "ran-b") && ran(first, "ran-flavor")) << first;
  auto second = build();
  EXPECT_FALSE(ran(second, "ran-a") || ran(second, "ran-b") || ran(second, "ran-flavor")) << second;
  EXPECT_NE(second.find("CACHED"), std::string::npos) << second;
}

TEST_F(CacheTest, ChangingOneFileRerunsOnlyTheStepsThatReadIt) {
  build();
  write_file_atomic(context_ / "b.txt", "b changed\n");
  auto out = build();
  EXPECT_FALSE(ran(out, "ran-a")) << out;
  EXPECT_TRUE(ran(out, "ran-b")) << out;
  EXPECT_TRUE(ran(out, "ran-flavor")) << out;
}

TEST_F(CacheTest, MtimeAloneInvalidatesNothing) {
  build();
  fs::last_write_time(context_ / "a.txt", fs::file_time_type::clock::now() - std::chrono::hours(5));
  auto out = build();
  EXPECT_FALSE(ran(out, "ran-a") || ran(out, "ran-b") || ran(out, "ran-flavor")) << out;
}

TEST_F(CacheTest, BuildArgChangeInvalidatesFromItsFirstUse) {
  build();
  auto out = build({"--build-arg", "FLAVOR=spicy"});
  EXPECT_FALSE(ran(out, "ran-a")) << out;  // before the ARG: untouched
  EXPECT_TRUE(ran(out, "ran-flavor")) << out;
}

TEST_F(CacheTest, NoCacheRerunsEverything) {
  build();
  auto out = build({"--no-cache"});
  EXPECT_TRUE(ran(out, "ran-a") && ran(out, "ran-b") && ran(out, "ran-flavor")) << out;
}

TEST_F(CacheTest, ChangesOutsideTheReadPathsDoNotInvalidate) {
  build();
  write_file_atomic(context_ / "unrelated.txt", "new file nobody copies\n");
  auto out = build();
  EXPECT_FALSE(ran(out, "ran-a") || ran(out, "ran-b") || ran(out, "ran-flavor")) << out;
}

TEST(ParallelStages, IndependentStagesOverlapInTime) {
  GantryEnv env;
  env.import_busybox();
  fs::path out = env.scratch() / "out";
  auto o = env.gantry({"build", "--network=none", "-o", "type=local,dest=" + out.string(),
                       testdata("parallel-stages").string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  auto ns = [&](const char* f) { return std::stoll(read_file(out / f)); };
  // Each stage ran for a second; they overlap when each started before the other ended.
  EXPECT_LT(ns("left-start"), ns("right-end"));
  EXPECT_LT(ns("right-start"), ns("left-end"));
}

TEST(ConcurrentBuilds, EightBuildsOnOneRootAllSucceedWithOneResult) {
  GantryEnv env;
  env.import_busybox();
  std::vector<Outcome> outcomes(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      outcomes[static_cast<std::size_t>(i)] = env.gantry(
          {"build", "-q", "--network=none", "-t", "same:" + std::to_string(i), testdata("cache-steps").string()});
    });
  for (auto& t : threads) t.join();
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(o.out, outcomes[0].out);
  }
  auto again = env.gantry({"build", "-q", "--network=none", testdata("cache-steps").string()});
  EXPECT_EQ(again.out, outcomes[0].out);
}

TEST(ConcurrentBuilds, AStepTwoBuildsNeedAtOnceRunsOnce) {
  GantryEnv env;
  env.import_busybox();
  const fs::path slow = env.scratch() / "slow", count = env.scratch() / "count";
  fs::create_directories(slow);
  fs::create_directories(count);
  // Each run of the step leaves a line in a cache mount, which outlives the builds.
  write_file_atomic(slow / "Dockerfile",
                    "FROM busybox\nRUN --mount=type=cache,id=runs,target=/runs sh -c 'echo ran >> /runs/log; sleep 1'\n");
  write_file_atomic(count / "Dockerfile",
                    "FROM busybox\nRUN --mount=type=cache,id=runs,target=/runs echo \"runs: $(wc -l < /runs/log)\"\n");
  std::vector<Outcome> outcomes(2);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < outcomes.size(); ++i)
    threads.emplace_back([&, i] { outcomes[i] = env.gantry({"build", "-q", "--network=none", slow.string()}); });
  for (auto& t : threads) t.join();
  for (const auto& o : outcomes) EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(outcomes[0].out, outcomes[1].out);
  auto counted = env.gantry({"build", "--progress=plain", "--network=none", "--no-cache", count.string()});
  ASSERT_EQ(counted.exit_code, 0) << counted.err;
  EXPECT_NE(counted.err.find("runs: 1"), std::string::npos) << counted.err;
}

TEST(CrashSafety, BuildsKilledAtRandomMomentsLeaveAUsableStore) {
  GantryEnv crashed, clean;
  crashed.import_busybox();
  clean.import_busybox();
  const std::map<std::string, std::string> sde{{"SOURCE_DATE_EPOCH", "1700000000"}};
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> delay_ms(0, 600);
  for (int i = 0; i < 50; ++i) {
    std::vector<std::string> args{"build", "--network=none", "-o",
                                  "type=oci,dest=" + (crashed.scratch() / "out.tar").string(),
                                  "--build-arg", "FLAVOR=f" + std::to_string(i % 7)};
    if (i % 3 == 0) args.push_back("--no-cache");
    args.push_back(testdata("cache-steps").string());
    int pid = crashed.spawn(args, sde);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ::kill(pid, SIGKILL);
    wait_for(pid);
  }
  auto after = crashed.gantry({"build", "-q", "--network=none", testdata("cache-steps").string()}, sde);
  auto fresh = clean.gantry({"build", "-q", "--network=none", testdata("cache-steps").string()}, sde);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_EQ(after.out, fresh.out);
  // No half-written export may be left where the killed builds were writing.
  for (const auto& e : fs::directory_iterator(crashed.scratch()))
    EXPECT_EQ(e.path().filename(), "out.tar") << "left behind: " << e.path();
}


TEST(Prune, DuReportsKindsAndPruneAllStillRebuilds) {
  GantryEnv env;
  env.import_busybox();
  auto first = env.gantry({"build", "-q", "--network=none", "-t", "kept:1", testdata("cache-steps").string()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto du = env.gantry({"du"});
  ASSERT_EQ(du.exit_code, 0) << du.err;
  for (const char* kind : {"Images", "Layers", "Build cache", "Cache mounts"})
    EXPECT_NE(du.out.find(kind), std::string::npos) << du.out;
  EXPECT_EQ(du.out.find("(0 records)"), std::string::npos) << du.out;

  auto prune = env.gantry({"prune", "--all"});
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  EXPECT_NE(env.gantry({"du"}).out.find("(0 records)"), std::string::npos);
  // The tagged image survives and still runs; a rebuild gives the same image.
  auto run = env.gantry({"run", "--rm", "--network", "none", "kept:1", "cat", "/out-b.txt"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "b\n");
  auto again = env.gantry({"build", "-q", "--network=none", testdata("cache-steps").string()},
                          {});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(env.gantry({"prune", "--filter", "bogus=1"}).exit_code, 125);
}


TEST(ExplainCache, NamesTheFileTheArgAndTheParentStep) {
  GantryEnv env;
  env.import_busybox();
  fs::path ctx = env.scratch() / "ctx";
  fs::copy(testdata("cache-steps"), ctx, fs::copy_options::recursive);
  auto build = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"build", "--explain-cache", "--progress=plain", "--network=none"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(ctx.string());
    auto o = env.gantry(args);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.err;
  };
  EXPECT_NE(build({}).find("not cached: no earlier build of this step"), std::string::npos);
  write_file_atomic(ctx / "b.txt", "changed\n");
  auto out = build({"--build-arg", "FLAVOR=hot"});
  EXPECT_NE(out.find("not cached: context files changed: b.txt\n"), std::string::npos) << out;
  EXPECT_NE(out.find("not cached: build arg or env value changed: FLAVOR"), std::string::npos) << out;
  EXPECT_EQ(out.find("hot"), std::string::npos) << "arg values are never printed: " << out;
  write_file_atomic(ctx / "b.txt", "changed again\n");
  out = build({"--build-arg", "FLAVOR=hot"});
  EXPECT_NE(out.find("not cached: the step it builds on changed"), std::string::npos) << out;
}

TEST(ExplainCache, NamesTheChangedFilesOfACopiedDirectory) {
  GantryEnv env;
  env.import_busybox();
  const fs::path ctx = env.scratch() / "ctx";
  fs::create_directories(ctx / "src");
  write_file_atomic(ctx / "Dockerfile", "FROM busybox\nCOPY . /app/\nRUN ls -R /app > /listing\n");
  for (const char* name : {"a.c", "b.c", "c.c", "d.c", "e.c"})
    write_file_atomic(ctx / "src" / name, std::string("int ") + name[0] + ";\n");
  // Plain progress explains every miss, as --explain-cache does.
  auto build = [&] {
    auto o = env.gantry({"build", "--progress=plain", "--network=none", ctx.string()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.err;
  };
  build();

  write_file_atomic(ctx / "src/b.c", "int b = 2;\n");
  auto out = build();
  EXPECT_NE(out.find("not cached: context files changed: src/b.c\n"), std::string::npos) << out;

  for (const char* name : {"a.c", "c.c", "e.c"}) write_file_atomic(ctx / "src" / name, "changed\n");
  fs::remove(ctx / "src/d.c");
  write_file_atomic(ctx / "new.h", "#pragma once\n");
  out = build();
  EXPECT_NE(out.find("not cached: context files changed: new.h, src/a.c, src/c.c and 2 more\n"),
            std::string::npos)
      << out;

  ::chmod((ctx / "src/e.c").c_str(), 0600);
  out = build();
  EXPECT_NE(out.find("not cached: context files changed: src/e.c\n"), std::string::npos) << out;
}

TEST(ExplainCache, OnbuildTriggersHaveStepsOfTheirOwn) {
  GantryEnv env;
  env.import_busybox();
  const fs::path parent = env.scratch() / "parent", child = env.scratch() / "child";
  fs::create_directories(parent);
  fs::create_directories(child);
  write_file_atomic(parent / "Dockerfile",
                    "FROM busybox\nONBUILD COPY app.txt /app/\nONBUILD RUN cat /app/app.txt\n");
  ASSERT_EQ(env.gantry({"build", "-q", "-t", "parent:1", parent.string()}).exit_code, 0);
  write_file_atomic(child / "Dockerfile", "FROM parent:1\nRUN echo child\n");
  write_file_atomic(child / "app.txt", "v1\n");
  auto build = [&] {
    auto o = env.gantry({"build", "--progress=plain", "--network=none", child.string()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.err;
  };
  auto out = build();
  for (const char* step : {"[2/4] COPY app.txt /app/", "[3/4] RUN cat /app/app.txt", "[4/4] RUN echo child"})
    EXPECT_NE(out.find(step), std::string::npos) << step << " in " << out;

  write_file_atomic(child / "app.txt", "v2\n");
  out = build();
  EXPECT_NE(out.find("not cached: context files changed: app.txt\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("not cached: the instruction changed"), std::string::npos) << out;
}

namespace {
// Processes on the host whose command line contains `needle`.
int processes_running(const std::string& needle) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline;
    try {
      cmdline = read_file(e.path() / "cmdline");
    } catch (const Error&) {
      continue;  // it exited while we looked
    }
    for (auto& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(needle) != std::string::npos) ++n;
  }
  return n;
}

// The mounts under the test's own directory (its gantry root and scratch), where anything a
// build mounts lives: the rest of the table changes with whatever else runs on the machine
// (other tests mount tmpfs roots of their own).
std::string mountinfo(const GantryEnv& env) {
  const std::string dir = env.root().parent_path().string() + "/";
  std::istringstream table(read_file("/proc/self/mountinfo"));
  std::string out;
  for (std::string line; std::getline(table, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (point.starts_with(dir)) out += line + "\n";
  }
  return out;
}
}  // namespace

TEST(Cancellation, FirstFailureStopsTheOtherStagesAndIsReported) {
  GantryEnv env;
  env.import_busybox();
  const auto mounts_before = mountinfo(env);
  const auto start = std::chrono::steady_clock::now();
  auto o = env.gantry({"build", "--network=none", testdata("failing-stage").string()});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("Dockerfile:4"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("exit code: 3"), std::string::npos) << o.err;
  EXPECT_LT(took, std::chrono::seconds(20)) << "the 30 s step must have been killed";
  EXPECT_EQ(processes_running("sleep 30 && echo"), 0);
  EXPECT_EQ(mountinfo(env), mounts_before);
}

TEST(Cancellation, CtrlCStopsTheBuildAndCleansUp) {
  GantryEnv env;
  env.import_busybox();
  const auto mounts_before = mountinfo(env);
  fs::path ctx = env.scratch() / "ctx";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\nRUN sleep 30 && echo never-done\n");
  int pid = env.spawn({"build", "--network=none", ctx.string()});
  for (int i = 0; i < 100 && processes_running("sleep 30 && echo never-done") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_for(pid), 130);
  EXPECT_EQ(processes_running("sleep 30 && echo never-done"), 0);
  EXPECT_EQ(mountinfo(env), mounts_before);
  for (const auto& e : fs::directory_iterator(env.root() / "tmp")) ADD_FAILURE() << "left: " << e.path();
}

// The tty display draws from a thread of its own, made before the build starts: Ctrl-C must
// take the clean cancel path whichever thread the kernel hands it to.
TEST(Cancellation, CtrlCWithTtyProgressStopsTheBuildAndCleansUp) {
  GantryEnv env;
  env.import_busybox();
  const auto mounts_before = mountinfo(env);
  fs::path ctx = env.scratch() / "ctx";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\nRUN sleep 30 && echo never-tty\n");
  int pid = env.spawn({"build", "--progress=tty", "--network=none", ctx.string()});
  for (int i = 0; i < 100 && processes_running("sleep 30 && echo never-tty") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_for(pid), 130);
  EXPECT_EQ(processes_running("sleep 30 && echo never-tty"), 0);
  EXPECT_EQ(mountinfo(env), mounts_before);
  for (const auto& e : fs::directory_iterator(env.root() / "tmp")) ADD_FAILURE() << "left: " << e.path();
}

TEST(CacheKeys, SecretValuesAndProgressModeNeverEnterTheKey) {
  GantryEnv env;
  env.import_busybox();
  fs::path secret = env.scratch() / "token";
  write_file_atomic(secret, "first-value");
  auto build = [&](const std::string& progress) {
    auto o = env.gantry({"build", "--progress=" + progress, "--network=none", "--secret",
                         "id=token,src=" + secret.string(), testdata("secret-step").string()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.err;
  };
  EXPECT_TRUE(step_printed(build("plain"), "ran-secret"));
  write_file_atomic(secret, "another-value");
  auto again = build("plain");
  EXPECT_FALSE(step_printed(again, "ran-secret")) << again;
  EXPECT_EQ(again.find("first-value"), std::string::npos);
  EXPECT_EQ(again.find("another-value"), std::string::npos);
  EXPECT_EQ(build("quiet"), build("quiet"));
}

TEST(CacheKeys, NoCacheFilterRerunsOnlyThatStage) {
  GantryEnv env;
  env.import_busybox();
  fs::path secret = env.scratch() / "token";
  write_file_atomic(secret, "v");
  std::vector<std::string> args{"build", "--progress=plain", "--network=none", "--secret",
                                "id=token,src=" + secret.string()};
  auto with = [&](std::vector<std::string> extra) {
    auto a = args;
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back(testdata("secret-step").string());
    auto o = env.gantry(a);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.err;
  };
  with({});
  auto out = with({"--no-cache-filter", "uses-secret"});
  EXPECT_TRUE(step_printed(out, "ran-secret")) << out;
  EXPECT_FALSE(step_printed(out, "ran-base")) << out;
}

}  // namespace gantry::e2e

namespace gantry::e2e {

// A stage that the target reaches only through COPY --from (its FROM chain is another image)
// runs again under --no-cache-filter, given in another case than FROM ... AS wrote it, and the
// target copies what the new run made.
TEST(CacheKeys, NoCacheFilterRerunsAStageReachedOnlyThroughCopyFrom) {
  GantryEnv env;
  env.import_busybox();
  const fs::path context = env.scratch() / "ctx";
  fs::create_directories(context);
  write_file_atomic(context / "Dockerfile",
                    "FROM busybox AS Producer\n"
                    "RUN echo ran-producer && cat /proc/sys/kernel/random/uuid > /made.txt\n"
                    "FROM busybox\n"
                    "RUN echo ran-final-base\n"
                    "COPY --from=producer /made.txt /made.txt\n");
  int builds = 0;
  auto build = [&](std::vector<std::string> extra, std::string* made) {
    const fs::path out = env.scratch() / ("out" + std::to_string(++builds));
    std::vector<std::string> args{"build", "--progress=plain", "--network=none", "-o", "type=local,dest=" + out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(context.string());
    auto o = env.gantry(args);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    *made = read_file(out / "made.txt");
    return o.err;
  };
  std::string first, second, third;
  build({}, &first);
  const std::string rerun = build({"--no-cache-filter", "PRODUCER"}, &second);
  EXPECT_TRUE(step_printed(rerun, "ran-producer")) << rerun;
  EXPECT_FALSE(step_printed(rerun, "ran-final-base")) << "a stage the filter does not name ran again\n" << rerun;
  EXPECT_NE(rerun.find("a step it builds on does not use the cache (--no-cache-filter)"), std::string::npos) << rerun;
  EXPECT_NE(first, second) << "the target kept the copy of the earlier run";
  const std::string cached = build({}, &third);
  EXPECT_FALSE(step_printed(cached, "ran-producer")) << cached;
  EXPECT_EQ(third, second) << "the cache does not hold the stage's new run";
}

}  // namespace gantry::e2e

// What a run's cgroup costs (executor/sandbox_cgroup.h): per run, make the run cgroup, let a
// child join it (as the container does, before exec) and remove it, against a child that joins
// nothing. Prints ms/run for each, median of ROUNDS rounds of RUNS runs.
// Usage: cgroup_bench [runs=500] [rounds=5]
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "executor/sandbox_cgroup.h"

namespace {

using gantry::executor::CgroupHierarchy;
using gantry::executor::Limits;
using gantry::executor::RunCgroup;
using gantry::executor::SandboxCgroup;

// The executor starts its container the same way: sharing memory, the parent suspended.
int child_main(void* arg) {
  const auto* run = static_cast<const RunCgroup*>(arg);
  ::_exit(run && run->join() != 0 ? 1 : 0);
}

void start_and_reap(const RunCgroup* run) {
  std::array<char, 1 << 16> stack;
  const pid_t pid = ::clone(child_main, stack.data() + stack.size(), CLONE_VM | CLONE_VFORK | SIGCHLD,
                            const_cast<RunCgroup*>(run));
  if (pid > 0) ::waitpid(pid, nullptr, 0);
}

double round_ms(SandboxCgroup* sandbox, const Limits& limits, int runs) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < runs; ++i) {
    if (!sandbox) {
      start_and_reap(nullptr);
      continue;
    }
    const RunCgroup run = sandbox->make_run(limits);
    start_and_reap(&run);
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / runs;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 500;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 5;
  SandboxCgroup sandbox(CgroupHierarchy::of_this_process());
  Limits devices_only;
  devices_only.pids.reset();
  Limits memory;
  memory.memory_bytes = 1LL << 30;
  struct Case {
    const char* label;
    SandboxCgroup* sandbox;
    Limits limits;
  };
  const std::vector<Case> cases = {{"no cgroup", nullptr, {}},
                                   {"devices", &sandbox, devices_only},
                                   {"devices+pids (default)", &sandbox, Limits{}},
                                   {"devices+pids+memory", &sandbox, memory}};
  std::vector<std::vector<double>> results(cases.size());
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t c = 0; c < cases.size(); ++c) {
      results[c].push_back(round_ms(cases[c].sandbox, cases[c].limits, runs));
    }
  }
  for (std::size_t c = 0; c < cases.size(); ++c) {
    std::sort(results[c].begin(), results[c].end());
    std::printf("%-24s %.3f ms/run (median of %d rounds of %d; min %.3f)\n", cases[c].label,
                results[c][results[c].size() / 2], rounds, runs, results[c].front());
  }
  return 0;
}

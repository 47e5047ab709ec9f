// Times Executor::run() end to end (namespaces, overlay, mounts, exec, teardown and removal of
// the mount points) in the busybox rootfs, each run over a fresh upper dir, and prints ms/run:
// for each network a run can have, and the first run of each on a fresh Executor (which makes
// the network namespace, and for the private network starts slirp4netns). Besides wall time,
// the CPU time of gantry and its children (supervisor, container) per run, which other load on
// a shared machine inflates much less.
// Usage: executor_bench [runs=200] [first_runs=20]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/executor/busybox_rootfs.h"

namespace {

using gantry::executor::Executor;
using gantry::executor::Network;
using gantry::executor::RunSpec;
using gantry::executor::Stream;
using gantry::executor::testing::BusyboxRootfs;

double cpu_ms() {
  double total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage usage{};
    ::getrusage(who, &usage);
    for (const timeval& t : {usage.ru_utime, usage.ru_stime}) total += t.tv_sec * 1e3 + t.tv_usec / 1e3;
  }
  return total;
}

struct Timing {
  std::vector<double> wall_ms;
  double cpu_ms = 0;  // all runs'
};

void timed_run(Executor& executor, BusyboxRootfs& rootfs, const std::vector<std::string>& args,
               Network network, Timing& timing) {
  RunSpec spec = rootfs.spec("");  // fresh upper/work dirs, made outside the timing
  spec.process.args = args;
  spec.process.network = network;
  const double cpu_start = cpu_ms();
  const auto start = std::chrono::steady_clock::now();
  const auto result = executor.run(spec, [](Stream, std::string_view) {});
  const auto end = std::chrono::steady_clock::now();
  timing.cpu_ms += cpu_ms() - cpu_start;
  if (result.exit_code != 0) std::fprintf(stderr, "exit %d\n", result.exit_code);
  timing.wall_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
}

void report(const std::string& label, Timing timing) {
  std::vector<double>& ms = timing.wall_ms;
  std::sort(ms.begin(), ms.end());
  std::printf("%-28s runs=%zu  median %.2f ms  p90 %.2f ms  min %.2f ms  cpu %.2f ms/run\n",
              label.c_str(), ms.size(), ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.front(),
              timing.cpu_ms / static_cast<double>(ms.size()));
}

struct NamedNetwork {
  Network network;
  const char* name;
};
constexpr NamedNetwork kNetworks[] = {
    {Network::Host, "host"}, {Network::None, "none"}, {Network::Private, "private"}};

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 200;
  const int first_runs = argc > 2 ? std::stoi(argv[2]) : 20;
  BusyboxRootfs rootfs;
  const std::vector<std::string> true_cmd{"/bin/true"};
  {
    Executor executor(rootfs.state());
    Timing set_up;
    timed_run(executor, rootfs, true_cmd, Network::Host, set_up);  // state dir and seccomp set-up
    for (const auto& [network, name] : kNetworks) {
      Timing timing;
      for (int i = 0; i < runs; ++i) timed_run(executor, rootfs, true_cmd, network, timing);
      report(std::string("/bin/true, ") + name, timing);
    }
    Timing timing;
    for (int i = 0; i < runs; ++i) {
      timed_run(executor, rootfs, {"/bin/sh", "-c", "true"}, Network::Private, timing);
    }
    report("sh -c true, private", timing);
  }
  // The first run of an Executor pays its set-up; the host network's first run is the part
  // that does not depend on the network.
  for (const auto& [network, name] : kNetworks) {
    Timing timing;
    for (int i = 0; i < first_runs; ++i) {
      Executor executor(rootfs.state());
      timed_run(executor, rootfs, true_cmd, network, timing);
    }
    report(std::string("first run, ") + name, timing);
  }
  return 0;
}

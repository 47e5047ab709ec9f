// Times Executor::run() end to end (namespaces, overlay, mounts, exec, teardown and removal of
// the mount points) in the busybox rootfs, each run over a fresh upper dir, and prints ms/run:
// for each network a run can have, and the first run of each on a fresh Executor (which makes
// the network namespace, and for the private network starts slirp4netns).
// Usage: executor_bench [runs=200] [first_runs=20]
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

double timed_run(Executor& executor, BusyboxRootfs& rootfs, const std::vector<std::string>& args,
                 Network network) {
  RunSpec spec = rootfs.spec("");  // fresh upper/work dirs, made outside the timing
  spec.process.args = args;
  spec.process.network = network;
  const auto start = std::chrono::steady_clock::now();
  const auto result = executor.run(spec, [](Stream, std::string_view) {});
  const auto end = std::chrono::steady_clock::now();
  if (result.exit_code != 0) std::fprintf(stderr, "exit %d\n", result.exit_code);
  return std::chrono::duration<double, std::milli>(end - start).count();
}

void report(const std::string& label, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::printf("%-28s runs=%zu  median %.2f ms  p90 %.2f ms  min %.2f ms\n", label.c_str(),
              ms.size(), ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.front());
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
    timed_run(executor, rootfs, true_cmd, Network::Host);  // state dir and seccomp set-up
    for (const auto& [network, name] : kNetworks) {
      std::vector<double> ms;
      for (int i = 0; i < runs; ++i) ms.push_back(timed_run(executor, rootfs, true_cmd, network));
      report(std::string("/bin/true, ") + name, ms);
    }
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
      ms.push_back(timed_run(executor, rootfs, {"/bin/sh", "-c", "true"}, Network::Private));
    }
    report("sh -c true, private", ms);
  }
  // The first run of an Executor pays its set-up; the host network's first run is the part
  // that does not depend on the network.
  for (const auto& [network, name] : kNetworks) {
    std::vector<double> ms;
    for (int i = 0; i < first_runs; ++i) {
      Executor executor(rootfs.state());
      ms.push_back(timed_run(executor, rootfs, true_cmd, network));
    }
    report(std::string("first run, ") + name, ms);
  }
  return 0;
}

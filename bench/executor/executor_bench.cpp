// Times Executor::run() end to end (namespaces, overlay, mounts, exec, teardown and removal of
// the mount points) in the busybox rootfs, each run over a fresh upper dir, and prints ms/run.
// Usage: executor_bench [runs=200]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/executor/busybox_rootfs.h"

namespace {

using gantry::executor::Executor;
using gantry::executor::RunSpec;
using gantry::executor::Stream;
using gantry::executor::testing::BusyboxRootfs;

void measure(const char* label, Executor& executor, BusyboxRootfs& rootfs,
             const std::vector<std::string>& args, int runs) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    RunSpec spec = rootfs.spec("");  // fresh upper/work dirs, made outside the timing
    spec.process.args = args;
    const auto start = std::chrono::steady_clock::now();
    const auto result = executor.run(spec, [](Stream, std::string_view) {});
    const auto end = std::chrono::steady_clock::now();
    if (result.exit_code != 0) std::fprintf(stderr, "%s: exit %d\n", label, result.exit_code);
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%-12s runs=%d  median %.2f ms  p90 %.2f ms  min %.2f ms\n", label, runs,
              ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.front());
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 200;
  BusyboxRootfs rootfs;
  Executor executor(rootfs.state());
  measure("/bin/true", executor, rootfs, {"/bin/true"}, runs);
  measure("sh -c true", executor, rootfs, {"/bin/sh", "-c", "true"}, runs);
  return 0;
}

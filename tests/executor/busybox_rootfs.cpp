#include "tests/executor/busybox_rootfs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

namespace gantry::executor::testing {

BusyboxRootfs::BusyboxRootfs() : dir_("/var/tmp", "gantry-executor-test-") {
  lower_ = dir_.path() / "lower";
  state_ = dir_.path() / "state";
  std::filesystem::create_directories(lower_ / "bin");
  std::filesystem::create_directories(lower_ / "etc");
  std::filesystem::create_directories(lower_ / "tmp");
  std::filesystem::permissions(lower_ / "tmp", std::filesystem::perms::all |
                                                   std::filesystem::perms::sticky_bit);
  std::filesystem::copy_file("/bin/busybox", lower_ / "bin/busybox");
  // `busybox --list` names every applet this binary has.
  FILE* list = ::popen("/bin/busybox --list", "r");
  if (!list) throw std::runtime_error("busybox --list");
  char name[256];
  while (std::fscanf(list, "%255s", name) == 1) {
    if (std::string(name) != "busybox") {
      std::filesystem::create_symlink("busybox", lower_ / "bin" / name);
    }
  }
  ::pclose(list);
  write_file_atomic(lower_ / "etc/passwd",
                    "root:x:0:0:root:/root:/bin/sh\n"
                    "builder:x:1000:1000:builder:/home/builder:/bin/sh\n"
                    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  write_file_atomic(lower_ / "etc/group",
                    "root:x:0:\n"
                    "builder:x:1000:\n"
                    "wheel:x:10:builder\n"
                    "audio:x:29:nobody,builder\n"
                    "nogroup:x:65534:\n");
  write_file_atomic(lower_ / "etc/deleteme", "from the lower layer\n");
}

RunSpec BusyboxRootfs::spec(const std::string& script) {
  const std::filesystem::path run = dir_.path() / ("run" + std::to_string(++runs_));
  upper_ = run / "upper";
  std::filesystem::create_directories(upper_);
  std::filesystem::create_directories(run / "work");
  RunSpec spec;
  spec.rootfs = RootFs{{lower_}, upper_, run / "work"};
  spec.process.args = {"/bin/sh", "-c", script};
  return spec;
}

std::string Output::all_out() const {
  std::string text;
  for (const std::string& line : out) text += line + "\n";
  return text;
}

RunResult run_collect(Executor& executor, const RunSpec& spec, Output& output) {
  return executor.run(spec, [&](Stream stream, std::string_view line) {
    (stream == Stream::Stdout ? output.out : output.err).emplace_back(line);
  });
}

}  // namespace gantry::executor::testing

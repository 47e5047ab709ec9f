// The default seccomp profile: what Docker's default profile refuses to a container that has
// no CAP_SYS_ADMIN (new namespaces, mounts, kernel modules, keyrings, bpf, reboot, ...), and
// what it refuses to every container: io_uring, and personality(2) beyond the plain personas.
// It is compiled to BPF once per Executor and only loaded in each run, which is one syscall.
// A profile of the user's (--security-opt seccomp=FILE) is compiled by seccomp_profile.h.
#pragma once

#include <linux/filter.h>

#include <utility>
#include <vector>

namespace gantry::executor {

class SeccompFilter {
 public:
  // Builds the profile with libseccomp for the native, x86 and x32 ABIs.
  SeccompFilter();
  // A program compiled from another profile (seccomp_context.h compile_bpf).
  explicit SeccompFilter(std::vector<sock_filter> program) : program_(std::move(program)) {}

  // Loads the filter into the calling process, which must hold CAP_SYS_ADMIN unless it has
  // set no_new_privs (--security-opt no-new-privileges): the container loads it before it switches user. One
  // prctl; returns 0 or its errno.
  int load() const noexcept;

 private:
  std::vector<sock_filter> program_;
};

}  // namespace gantry::executor

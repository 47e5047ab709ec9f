// The default seccomp profile: what Docker's default profile refuses to a container without
// the capability that opens each call (CAP_SYS_ADMIN: new namespaces, mounts, bpf, ...;
// CAP_SYS_MODULE: kernel modules; CAP_SYS_TIME: setting the clock; ...), and what it refuses to
// every container: keyrings, io_uring, and personality(2) beyond the plain personas. It is
// compiled to BPF once per Executor and capability set, and only loaded in each run, which is
// one syscall.
// A profile of the user's (--security-opt seccomp=FILE) is compiled by seccomp_profile.h.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace gantry::executor {

class SeccompFilter {
 public:
  // Builds the profile for a run with `capabilities` (a mask, as Credentials::capabilities) with
  // libseccomp for the native, x86 and x32 ABIs.
  explicit SeccompFilter(std::uint64_t capabilities);
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

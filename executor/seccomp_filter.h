// The default seccomp profile: what Docker's default profile refuses to a container that has
// no CAP_SYS_ADMIN (new namespaces, mounts, kernel modules, keyrings, bpf, reboot, ...), and
// what it refuses to every container: io_uring, and personality(2) beyond the plain personas.
// It is compiled to BPF once per Executor and only loaded in each run, which is one syscall.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace gantry::executor {

class SeccompFilter {
 public:
  // Builds the profile with libseccomp for the native, x86 and x32 ABIs.
  SeccompFilter();

  // Loads the filter into the calling process, which must hold CAP_SYS_ADMIN (there is no
  // no_new_privs to stand in for it): the container loads it before it switches user. One
  // prctl; returns 0 or its errno.
  int load() const noexcept;

 private:
  std::vector<sock_filter> program_;
};

}  // namespace gantry::executor

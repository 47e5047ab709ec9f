// Keeps the processes of a cgroup away from the host's loopback services. slirp4netns's own
// --disable-host-loopback only covers the gateway alias (10.0.2.2 -> 127.0.0.1): a RUN holding
// CAP_NET_RAW (Docker's default set) can write a frame to its tap device addressed to
// 127.0.0.1 itself, and slirp4netns would connect there. So slirp4netns runs in a cgroup whose
// BPF programs (cgroup v2 sock_addr hooks, checked by the kernel at connect() and sendmsg())
// refuse every destination in 127.0.0.0/8 and 0.0.0.0/8, ::1, :: and their IPv4-mapped forms,
// except port 53 of the host's own loopback resolvers, which its DNS forwarder must reach.
//
// Life: the constructor makes <cgroup2 mount>/gantry-network-<pid> and attaches the programs;
// add() moves a process in; the destructor removes the cgroup, whose processes must be gone.
// A cgroup left behind by a killed gantry is removed by the next one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <vector>

#include "base/unique_fd.h"

namespace gantry::executor {

class LoopbackGuard {
 public:
  // `resolvers`: IPv4 addresses in network byte order. Throws gantry::Error when the host has
  // no cgroup v2 hierarchy or refuses the programs.
  explicit LoopbackGuard(const std::vector<std::uint32_t>& resolvers);
  LoopbackGuard(const LoopbackGuard&) = delete;
  LoopbackGuard& operator=(const LoopbackGuard&) = delete;
  ~LoopbackGuard();

  void add(pid_t pid) const;

 private:
  std::filesystem::path dir_;
  UniqueFd procs_;  // cgroup.procs, open for writing
};

}  // namespace gantry::executor

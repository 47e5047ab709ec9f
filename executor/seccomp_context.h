// libseccomp's filter context, owned, and its compilation to the BPF program a SeccompFilter
// loads: shared by the default filter (seccomp_filter.cpp) and users' profiles
// (seccomp_profile.cpp), and kept out of seccomp_filter.h so that what includes the filter (the
// container's plan) does not include libseccomp.
#pragma once

#include <linux/filter.h>
#include <seccomp.h>

#include <memory>
#include <vector>

namespace gantry::executor {

using SeccompContext = std::unique_ptr<void, decltype([](scmp_filter_ctx c) { seccomp_release(c); })>;

// The BPF program of a libseccomp filter, for SeccompFilter. Throws Error.
std::vector<sock_filter> compile_bpf(scmp_filter_ctx ctx);

}  // namespace gantry::executor

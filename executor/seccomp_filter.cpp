#include "executor/seccomp_filter.h"

#include <sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>

#include "base/error.h"
#include "base/unique_fd.h"

namespace gantry::executor {
namespace {

// Refused with EPERM: each needs CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_BOOT, CAP_SYS_TIME,
// CAP_SYS_RAWIO, CAP_SYS_NICE, CAP_SYSLOG or CAP_DAC_READ_SEARCH in Docker's profile, none of
// which a default container has. ptrace stays allowed, as Docker does on kernels >= 4.8.
constexpr std::array kDenied = {
    "acct",          "add_key",        "bpf",           "clock_adjtime",   "clock_settime",
    "create_module", "delete_module",  "fanotify_init", "finit_module",    "fsconfig",
    "fsmount",       "fsopen",         "fspick",        "get_kernel_syms", "get_mempolicy",
    "init_module",   "ioperm",         "iopl",          "kexec_file_load", "kexec_load",
    "keyctl",        "lookup_dcookie", "mbind",         "mount",           "mount_setattr",
    "move_mount",    "move_pages",     "nfsservctl",    "open_by_handle_at", "open_tree",
    "perf_event_open", "pivot_root",   "quotactl",      "quotactl_fd",     "reboot",
    "request_key",   "set_mempolicy",  "setns",         "settimeofday",    "stime",
    "swapoff",       "swapon",         "_sysctl",       "sysfs",           "syslog",
    "umount",        "umount2",        "unshare",       "uselib",          "userfaultfd",
    "ustat",         "vhangup",        "vm86",          "vm86old",
};

constexpr std::array kNamespaceFlags = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,
                                        CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
                                        CLONE_NEWCGROUP};

using Context = std::unique_ptr<void, decltype([](scmp_filter_ctx c) { seccomp_release(c); })>;

void check(int rc, const std::string& what) {
  if (rc < 0) throw errno_error("seccomp: " + what, -rc);
}

}  // namespace

SeccompFilter::SeccompFilter() {
  Context ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) throw Error("seccomp: cannot create a filter");
  // Without these, a 32-bit syscall would bypass a filter written for x86_64 only.
  for (std::uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) {
    const int rc = seccomp_arch_add(ctx.get(), arch);
    if (rc != -EEXIST) check(rc, "add architecture");
  }
  for (const char* name : kDenied) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not a syscall on any of our ABIs
    check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), nr, 0), std::string("deny ") + name);
  }
  // clone is fine for threads and processes, not for new namespaces.
  for (int flag : kNamespaceFlags) {
    const auto mask = static_cast<scmp_datum_t>(flag);
    check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, mask, mask)),
          "restrict clone");
  }
  // clone3 passes its flags in memory, out of the filter's reach: ENOSYS makes libc fall back
  // to clone, which is checked above.
  check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "deny clone3");

  UniqueFd memory(::memfd_create("gantry-seccomp", MFD_CLOEXEC));
  if (!memory) throw_errno("seccomp: memfd_create");
  check(seccomp_export_bpf(ctx.get(), memory.get()), "export the filter");
  const off_t size = ::lseek(memory.get(), 0, SEEK_CUR);
  program_.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (::pread(memory.get(), program_.data(), program_.size() * sizeof(sock_filter), 0) != size) {
    throw_errno("seccomp: read the exported filter");
  }
}

void SeccompFilter::load() const {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program_.size());
  prog.filter = const_cast<sock_filter*>(program_.data());
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    throw_errno("load the seccomp filter");
  }
}

}  // namespace gantry::executor

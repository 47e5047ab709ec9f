#include "executor/seccomp_filter.h"

#include <sched.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <set>

#include "base/error.h"
#include "base/unique_fd.h"
#include "executor/seccomp_context.h"

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
    // io_uring runs I/O from kernel workers that escape the checks on the calling task (its
    // operations never pass through this filter); Docker's profile has refused it since 25.0.
    "io_uring_enter", "io_uring_register", "io_uring_setup",
};

// The personas Docker's profile lets personality(2) set: Linux, Linux with UNAME26, 32-bit
// Linux, both, and 0xffffffff, which only asks for the current one. The others turn off address
// space randomisation, make the heap executable, and the like.
constexpr std::array<std::uint32_t, 5> kAllowedPersonas = {0x0, 0x8, 0x20000, 0x20008,
                                                           0xffffffff};

constexpr std::array kNamespaceFlags = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,
                                        CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
                                        CLONE_NEWCGROUP};

void check(int rc, const std::string& what) {
  if (rc < 0) throw errno_error("seccomp: " + what, -rc);
}

struct MaskedValue {
  std::uint32_t mask, value;
};

// "Any value but these" as rules libseccomp can express (it compares an argument once per rule):
// walking the allowed values' bits from the top, each branch that none of them takes is a block
// of refused values, all sharing the bits that lead there.
std::vector<MaskedValue> refused_blocks(const std::array<std::uint32_t, 5>& allowed) {
  std::vector<MaskedValue> blocks;
  for (int bit = 31; bit >= 0; --bit) {
    const std::uint32_t mask = ~0U << bit;
    const std::uint32_t parent_mask = bit == 31 ? 0 : ~0U << (bit + 1);
    std::set<std::uint32_t> parents;
    for (std::uint32_t v : allowed) parents.insert(v & parent_mask);
    for (std::uint32_t parent : parents) {
      for (std::uint32_t branch : {parent, parent | (1U << bit)}) {
        if (std::none_of(allowed.begin(), allowed.end(),
                         [&](std::uint32_t v) { return (v & mask) == branch; })) {
          blocks.push_back({mask, branch});
        }
      }
    }
  }
  return blocks;
}

}  // namespace

SeccompFilter::SeccompFilter() {
  SeccompContext ctx(seccomp_init(SCMP_ACT_ALLOW));
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
  // The kernel reads personality's argument as an unsigned int: the masks leave the upper half out.
  for (const MaskedValue& block : refused_blocks(kAllowedPersonas)) {
    check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, block.mask, block.value)),
          "restrict personality");
  }
  // clone3 passes its flags in memory, out of the filter's reach: ENOSYS makes libc fall back
  // to clone, which is checked above.
  check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "deny clone3");

  program_ = compile_bpf(ctx.get());
}

std::vector<sock_filter> compile_bpf(scmp_filter_ctx ctx) {
  UniqueFd memory(::memfd_create("gantry-seccomp", MFD_CLOEXEC));
  if (!memory) throw_errno("seccomp: memfd_create");
  check(seccomp_export_bpf(ctx, memory.get()), "export the filter");
  const off_t size = ::lseek(memory.get(), 0, SEEK_CUR);
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (::pread(memory.get(), program.data(), program.size() * sizeof(sock_filter), 0) != size) {
    throw_errno("seccomp: read the exported filter");
  }
  return program;
}

int SeccompFilter::load() const noexcept {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program_.size());
  prog.filter = const_cast<sock_filter*>(program_.data());
  return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0 ? errno : 0;
}

}  // namespace gantry::executor

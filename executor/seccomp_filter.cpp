#include "executor/seccomp_filter.h"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
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

constexpr std::uint64_t cap(int number) { return 1ULL << number; }

// A syscall refused with EPERM unless the run has one of `openers` (a capability mask), as
// Docker's default profile has it.
struct Denied {
  const char* name;
  std::uint64_t openers;
};

constexpr std::uint64_t kNever = 0;

// None of the openers is in a default container's set. ptrace stays allowed, as Docker does on
// kernels >= 4.8.
constexpr std::array kDenied = {
    Denied{"acct", cap(CAP_SYS_PACCT)},
    Denied{"add_key", kNever},
    Denied{"bpf", cap(CAP_SYS_ADMIN) | cap(CAP_BPF)},
    Denied{"clock_adjtime", kNever},
    Denied{"clock_settime", cap(CAP_SYS_TIME)},
    Denied{"create_module", kNever},
    Denied{"delete_module", cap(CAP_SYS_MODULE)},
    Denied{"fanotify_init", cap(CAP_SYS_ADMIN)},
    Denied{"finit_module", cap(CAP_SYS_MODULE)},
    Denied{"fsconfig", cap(CAP_SYS_ADMIN)},
    Denied{"fsmount", cap(CAP_SYS_ADMIN)},
    Denied{"fsopen", cap(CAP_SYS_ADMIN)},
    Denied{"fspick", cap(CAP_SYS_ADMIN)},
    Denied{"get_kernel_syms", kNever},
    Denied{"get_mempolicy", cap(CAP_SYS_NICE)},
    Denied{"init_module", cap(CAP_SYS_MODULE)},
    Denied{"ioperm", cap(CAP_SYS_RAWIO)},
    Denied{"iopl", cap(CAP_SYS_RAWIO)},
    Denied{"kexec_file_load", kNever},
    Denied{"kexec_load", kNever},
    Denied{"keyctl", kNever},
    Denied{"lookup_dcookie", cap(CAP_SYS_ADMIN)},
    Denied{"mbind", cap(CAP_SYS_NICE)},
    Denied{"mount", cap(CAP_SYS_ADMIN)},
    Denied{"mount_setattr", cap(CAP_SYS_ADMIN)},
    Denied{"move_mount", cap(CAP_SYS_ADMIN)},
    Denied{"move_pages", kNever},
    Denied{"nfsservctl", kNever},
    Denied{"open_by_handle_at", cap(CAP_DAC_READ_SEARCH)},
    Denied{"open_tree", cap(CAP_SYS_ADMIN)},
    Denied{"perf_event_open", cap(CAP_SYS_ADMIN) | cap(CAP_PERFMON)},
    Denied{"pivot_root", kNever},
    Denied{"quotactl", cap(CAP_SYS_ADMIN)},
    Denied{"quotactl_fd", cap(CAP_SYS_ADMIN)},
    Denied{"reboot", cap(CAP_SYS_BOOT)},
    Denied{"request_key", kNever},
    Denied{"set_mempolicy", cap(CAP_SYS_NICE)},
    Denied{"setns", cap(CAP_SYS_ADMIN)},
    Denied{"settimeofday", cap(CAP_SYS_TIME)},
    Denied{"stime", cap(CAP_SYS_TIME)},
    Denied{"swapoff", kNever},
    Denied{"swapon", kNever},
    Denied{"_sysctl", kNever},
    Denied{"sysfs", kNever},
    Denied{"syslog", cap(CAP_SYS_ADMIN) | cap(CAP_SYSLOG)},
    Denied{"umount", cap(CAP_SYS_ADMIN)},
    Denied{"umount2", cap(CAP_SYS_ADMIN)},
    Denied{"unshare", cap(CAP_SYS_ADMIN)},
    Denied{"uselib", kNever},
    Denied{"userfaultfd", kNever},
    Denied{"ustat", kNever},
    Denied{"vhangup", cap(CAP_SYS_TTY_CONFIG)},
    Denied{"vm86", kNever},
    Denied{"vm86old", kNever},
    // io_uring runs I/O from kernel workers that escape the checks on the calling task (its
    // operations never pass through this filter); Docker's profile has refused it since 25.0.
    Denied{"io_uring_enter", kNever},
    Denied{"io_uring_register", kNever},
    Denied{"io_uring_setup", kNever},
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

SeccompFilter::SeccompFilter(std::uint64_t capabilities) {
  SeccompContext ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) throw Error("seccomp: cannot create a filter");
  // Without these, a 32-bit syscall would bypass a filter written for x86_64 only.
  for (std::uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) {
    const int rc = seccomp_arch_add(ctx.get(), arch);
    if (rc != -EEXIST) check(rc, "add architecture");
  }
  for (const Denied& denied : kDenied) {
    if (capabilities & denied.openers) continue;
    const int nr = seccomp_syscall_resolve_name(denied.name);
    if (nr == __NR_SCMP_ERROR) continue;  // not a syscall on any of our ABIs
    check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), nr, 0),
          std::string("deny ") + denied.name);
  }
  const bool sys_admin = capabilities & cap(CAP_SYS_ADMIN);
  // clone is fine for threads and processes, not for new namespaces (without CAP_SYS_ADMIN).
  for (int flag : kNamespaceFlags) {
    if (sys_admin) break;
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
  if (!sys_admin) {
    check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "deny clone3");
  }

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

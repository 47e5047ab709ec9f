#include "executor/loopback_guard.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "base/error.h"

namespace gantry::executor {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "gantry-network-";

// Just enough of an assembler for the programs below: 32-bit compares and forward jumps to
// named labels.
class Program {
 public:
  void load_word(int dst, std::int16_t ctx_offset) {
    emit(BPF_LDX | BPF_MEM | BPF_W, dst, 1, ctx_offset, 0);
  }
  void move(int dst, int src) { emit(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
  void and_with(int dst, std::uint32_t mask) { emit(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, mask); }
  void jump_if_equal(int reg, std::uint32_t value, const std::string& label) {
    jump(BPF_JMP32 | BPF_JEQ | BPF_K, reg, value, label);
  }
  void jump_if_not_equal(int reg, std::uint32_t value, const std::string& label) {
    jump(BPF_JMP32 | BPF_JNE | BPF_K, reg, value, label);
  }
  void jump_to(const std::string& label) { jump(BPF_JMP | BPF_JA, 0, 0, label); }
  void label(const std::string& name) { labels_[name] = code_.size(); }
  void return_value(int value) {
    emit(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, static_cast<std::uint32_t>(value));
    emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  }

  std::vector<bpf_insn> finish() {
    for (const auto& [at, name] : fixups_) {
      code_[at].off = static_cast<std::int16_t>(labels_.at(name) - at - 1);
    }
    return code_;
  }

 private:
  void emit(std::uint8_t op, int dst, int src, std::int16_t off, std::uint32_t imm) {
    bpf_insn insn{};
    insn.code = op;
    insn.dst_reg = static_cast<std::uint8_t>(dst) & 0xf;
    insn.src_reg = static_cast<std::uint8_t>(src) & 0xf;
    insn.off = off;
    insn.imm = static_cast<std::int32_t>(imm);
    code_.push_back(insn);
  }
  void jump(std::uint8_t op, int reg, std::uint32_t value, const std::string& label) {
    fixups_.emplace_back(code_.size(), label);
    emit(op, reg, 0, 0, value);
  }

  std::vector<bpf_insn> code_;
  std::map<std::string, std::size_t> labels_;
  std::vector<std::pair<std::size_t, std::string>> fixups_;
};

constexpr std::int16_t offset_of_ip6(int word) {
  return static_cast<std::int16_t>(offsetof(bpf_sock_addr, user_ip6) + 4 * word);
}

// r2 holds an IPv4 address (network order): jumps to `loopback` for 127/8 and 0/8.
void classify_ipv4(Program& p, const std::string& loopback) {
  p.move(3, 2);
  p.and_with(3, htonl(0xff000000));
  p.jump_if_equal(3, htonl(0x7f000000), loopback);
  p.jump_if_equal(3, 0, loopback);
}

std::vector<bpf_insn> ipv4_program(const std::vector<std::uint32_t>& resolvers) {
  Program p;
  p.load_word(2, offsetof(bpf_sock_addr, user_ip4));
  classify_ipv4(p, "loopback");
  p.return_value(1);
  p.label("loopback");
  p.load_word(4, offsetof(bpf_sock_addr, user_port));
  p.jump_if_not_equal(4, htons(53), "deny");
  for (std::uint32_t resolver : resolvers) p.jump_if_equal(2, resolver, "allow");
  p.label("deny");
  p.return_value(0);
  if (!resolvers.empty()) {  // the verifier refuses code no path reaches
    p.label("allow");
    p.return_value(1);
  }
  return p.finish();
}

std::vector<bpf_insn> ipv6_program() {
  Program p;
  p.load_word(2, offset_of_ip6(0));
  p.jump_if_not_equal(2, 0, "allow");
  p.load_word(2, offset_of_ip6(1));
  p.jump_if_not_equal(2, 0, "allow");
  p.load_word(2, offset_of_ip6(2));
  p.jump_if_equal(2, 0, "compatible");
  p.jump_if_not_equal(2, htonl(0xffff), "allow");
  p.load_word(2, offset_of_ip6(3));  // ::ffff:a.b.c.d
  classify_ipv4(p, "deny");
  p.jump_to("allow");
  p.label("compatible");  // ::1 and ::
  p.load_word(2, offset_of_ip6(3));
  p.jump_if_equal(2, 0, "deny");
  p.jump_if_equal(2, htonl(1), "deny");
  p.label("allow");
  p.return_value(1);
  p.label("deny");
  p.return_value(0);
  return p.finish();
}

long bpf(int command, bpf_attr& attr) { return ::syscall(SYS_bpf, command, &attr, sizeof attr); }

UniqueFd load(const std::vector<bpf_insn>& code, bpf_attach_type hook) {
  static constexpr char kLicense[] = "GPL";  // required; these programs call no helper at all
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
  attr.expected_attach_type = hook;
  attr.insns = reinterpret_cast<std::uint64_t>(code.data());
  attr.insn_cnt = static_cast<std::uint32_t>(code.size());
  attr.license = reinterpret_cast<std::uint64_t>(kLicense);
  UniqueFd fd(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
  if (fd) return fd;
  const int saved = errno;
  std::string log(4096, '\0');
  attr.log_buf = reinterpret_cast<std::uint64_t>(log.data());
  attr.log_size = static_cast<std::uint32_t>(log.size());
  attr.log_level = 1;
  bpf(BPF_PROG_LOAD, attr);
  log.resize(std::min(log.find('\0'), log.find('\n')));  // the verifier's reason comes first
  throw errno_error("loopback guard: load the BPF program" + (log.empty() ? "" : " (" + log + ")"),
                    saved);
}

void attach(int cgroup_fd, const std::vector<bpf_insn>& code, bpf_attach_type hook) {
  const UniqueFd program = load(code, hook);
  bpf_attr attr{};
  attr.target_fd = static_cast<std::uint32_t>(cgroup_fd);
  attr.attach_bpf_fd = static_cast<std::uint32_t>(program.get());
  attr.attach_type = hook;
  if (bpf(BPF_PROG_ATTACH, attr) != 0) throw_errno("loopback guard: attach the BPF program");
}

fs::path cgroup2_mount() {
  std::ifstream mounts("/proc/self/mountinfo");
  for (std::string line; std::getline(mounts, line);) {
    const std::size_t dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream fields(line);
    std::string id, parent, device, root, point;
    fields >> id >> parent >> device >> root >> point;
    return point;
  }
  throw Error(
      "loopback guard: no cgroup v2 hierarchy is mounted; RUN's private network needs "
      "one (or build with --network=none or --network=host)");
}

// The cgroups of gantry processes that are gone (killed before they could remove them).
void remove_abandoned(const fs::path& root) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kPrefix)) continue;
    const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + kPrefix.size()));
    if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) ::rmdir(entry.path().c_str());
  }
}

}  // namespace

LoopbackGuard::LoopbackGuard(const std::vector<std::uint32_t>& resolvers) {
  const fs::path root = cgroup2_mount();
  remove_abandoned(root);
  std::string name =
      (root / (std::string(kPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (!::mkdtemp(name.data())) {
    throw_errno("loopback guard: create a cgroup under `" + root.string() + "`");
  }
  dir_ = name;
  try {
    const UniqueFd cgroup(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!cgroup) throw_errno("loopback guard: open `" + dir_.string() + "`");
    const std::vector<bpf_insn> v4 = ipv4_program(resolvers), v6 = ipv6_program();
    attach(cgroup.get(), v4, BPF_CGROUP_INET4_CONNECT);
    attach(cgroup.get(), v4, BPF_CGROUP_UDP4_SENDMSG);
    attach(cgroup.get(), v6, BPF_CGROUP_INET6_CONNECT);
    attach(cgroup.get(), v6, BPF_CGROUP_UDP6_SENDMSG);
    procs_.reset(::open((dir_ / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
    if (!procs_) throw_errno("loopback guard: open `" + (dir_ / "cgroup.procs").string() + "`");
  } catch (...) {
    ::rmdir(dir_.c_str());
    throw;
  }
}

LoopbackGuard::~LoopbackGuard() {
  procs_.reset();
  ::rmdir(dir_.c_str());
}

void LoopbackGuard::add(pid_t pid) const {
  const std::string text = std::to_string(pid);
  if (::write(procs_.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw_errno("loopback guard: move process " + text + " into `" + dir_.string() + "`");
  }
}

}  // namespace gantry::executor

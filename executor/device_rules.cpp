#include "executor/device_rules.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/error.h"
#include "base/unique_fd.h"

namespace gantry::executor {
namespace {

constexpr std::int64_t kAny = -1;

struct DeviceRule {
  char type;  // 'c' or 'b'
  std::int64_t major, minor;  // kAny: every number
  const char* access;         // of "rwm"
};

// Docker's default: make any node, use only these.
constexpr std::array kRules = {
    DeviceRule{'c', kAny, kAny, "m"},  DeviceRule{'b', kAny, kAny, "m"},
    DeviceRule{'c', 1, 3, "rwm"},      // null
    DeviceRule{'c', 1, 5, "rwm"},      // zero
    DeviceRule{'c', 1, 7, "rwm"},      // full
    DeviceRule{'c', 1, 8, "rwm"},      // random
    DeviceRule{'c', 1, 9, "rwm"},      // urandom
    DeviceRule{'c', 5, 0, "rwm"},      // tty
    DeviceRule{'c', 5, 1, "rwm"},      // console
    DeviceRule{'c', 5, 2, "rwm"},      // ptmx
    DeviceRule{'c', 136, kAny, "rwm"},  // pts/*
};

std::string number(std::int64_t n) { return n == kAny ? "*" : std::to_string(n); }

std::int32_t access_bits(const char* access) {
  std::int32_t bits = 0;
  for (const char* c = access; *c; ++c) {
    bits |= *c == 'm' ? BPF_DEVCG_ACC_MKNOD : *c == 'r' ? BPF_DEVCG_ACC_READ : BPF_DEVCG_ACC_WRITE;
  }
  return bits;
}

// The few eBPF instructions the program needs.
bpf_insn load_word(std::uint8_t dst, std::int16_t offset) {  // dst = *(u32 *)(r1 + offset)
  return bpf_insn{.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = dst, .src_reg = 1, .off = offset, .imm = 0};
}
bpf_insn alu_imm(std::uint8_t op, std::uint8_t dst, std::int32_t imm) {
  return bpf_insn{.code = static_cast<std::uint8_t>(BPF_ALU64 | op | BPF_K), .dst_reg = dst, .src_reg = 0, .off = 0, .imm = imm};
}
bpf_insn move_reg(std::uint8_t dst, std::uint8_t src) {
  return bpf_insn{.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = dst, .src_reg = src, .off = 0, .imm = 0};
}
bpf_insn jump_if_not_equal(std::uint8_t reg, std::int32_t imm, std::int16_t skip) {
  return bpf_insn{.code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = reg, .src_reg = 0, .off = skip, .imm = imm};
}
bpf_insn exit_insn() { return bpf_insn{.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0}; }

// Registers: r1 the context, then scratch; r2 access, r3 type, r4 major, r5 minor; r0 result.
constexpr std::uint8_t kScratch = 1, kAccess = 2, kType = 3, kMajor = 4, kMinor = 5;

}  // namespace

std::vector<std::string> v1_device_allow_lines() {
  std::vector<std::string> lines;
  for (const DeviceRule& rule : kRules) {
    lines.push_back(std::string(1, rule.type) + " " + number(rule.major) + ":" + number(rule.minor) +
                    " " + rule.access);
  }
  return lines;
}

std::vector<bpf_insn> device_program() {
  std::vector<bpf_insn> program = {
      load_word(kAccess, offsetof(bpf_cgroup_dev_ctx, access_type)),
      move_reg(kType, kAccess),
      alu_imm(BPF_AND, kType, 0xffff),
      alu_imm(BPF_RSH, kAccess, 16),
      load_word(kMajor, offsetof(bpf_cgroup_dev_ctx, major)),
      load_word(kMinor, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  for (const DeviceRule& rule : kRules) {
    // Each rule is a block that ends in "allow"; a test that fails jumps past the block's end.
    std::vector<bpf_insn> block;
    block.push_back(jump_if_not_equal(kType, rule.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0));
    // Every access asked for must be one the rule grants.
    block.push_back(move_reg(kScratch, kAccess));
    block.push_back(alu_imm(BPF_AND, kScratch, ~access_bits(rule.access)));
    block.push_back(jump_if_not_equal(kScratch, 0, 0));
    if (rule.major != kAny) block.push_back(jump_if_not_equal(kMajor, static_cast<std::int32_t>(rule.major), 0));
    if (rule.minor != kAny) block.push_back(jump_if_not_equal(kMinor, static_cast<std::int32_t>(rule.minor), 0));
    block.push_back(alu_imm(BPF_MOV, 0, 1));
    block.push_back(exit_insn());
    for (std::size_t i = 0; i < block.size(); ++i) {
      if (block[i].code == (BPF_JMP | BPF_JNE | BPF_K)) {
        block[i].off = static_cast<std::int16_t>(block.size() - i - 1);
      }
    }
    program.insert(program.end(), block.begin(), block.end());
  }
  program.push_back(alu_imm(BPF_MOV, 0, 0));
  program.push_back(exit_insn());
  return program;
}

void attach_device_program(int cgroup_fd) {
  const std::vector<bpf_insn> program = device_program();
  // The license only matters to programs that call GPL-only helpers; this one calls none.
  static constexpr char kLicense[] = "Apache-2.0";
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<std::uint64_t>(program.data());
  load.insn_cnt = static_cast<std::uint32_t>(program.size());
  load.license = reinterpret_cast<std::uint64_t>(kLicense);
  UniqueFd prog(static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load)));
  if (!prog) throw_errno("load the device cgroup program");
  bpf_attr attach{};
  attach.target_fd = static_cast<std::uint32_t>(cgroup_fd);
  attach.attach_bpf_fd = static_cast<std::uint32_t>(prog.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = 0;  // no override below: what runs under this cgroup gets these rules
  if (::syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) != 0) {
    throw_errno("attach the device cgroup program");
  }
}

}  // namespace gantry::executor

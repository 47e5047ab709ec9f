#include "executor/seccomp_profile.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

#include "base/error.h"
#include "executor/capabilities.h"
#include "executor/seccomp_context.h"

namespace gantry::executor {
namespace {

using nlohmann::json;

// A capability as Docker's profiles name it ("CAP_SYS_ADMIN"), in `capabilities` (a mask).
bool has_capability(const std::string& name, std::uint64_t capabilities) {
  if (!name.starts_with("CAP_")) return false;
  const std::optional<unsigned> number = capability_number(std::string_view(name).substr(4));
  return number && ((capabilities >> *number) & 1);
}

// Go's name for this machine's architecture, as profiles' includes/excludes name it.
std::string native_arch() {
  switch (seccomp_arch_native()) {
    case SCMP_ARCH_X86_64:
      return "amd64";
    case SCMP_ARCH_X86:
      return "386";
    case SCMP_ARCH_AARCH64:
      return "arm64";
    case SCMP_ARCH_ARM:
      return "arm";
    case SCMP_ARCH_PPC64LE:
      return "ppc64le";
    case SCMP_ARCH_S390X:
      return "s390x";
    case SCMP_ARCH_RISCV64:
      return "riscv64";
    default:
      return "";
  }
}

// "4.8" <= this kernel's version.
bool kernel_at_least(const std::string& version) {
  utsname u{};
  ::uname(&u);
  int have_major = 0, have_minor = 0, want_major = 0, want_minor = 0;
  std::sscanf(u.release, "%d.%d", &have_major, &have_minor);
  std::sscanf(version.c_str(), "%d.%d", &want_major, &want_minor);
  return have_major != want_major ? have_major > want_major : have_minor >= want_minor;
}

class ProfileCompiler {
 public:
  ProfileCompiler(const json& profile, const std::string& name, std::uint64_t capabilities)
      : profile_(profile), name_(name), capabilities_(capabilities) {}

  std::vector<sock_filter> compile() {
    for (const char* unsupported : {"flags", "listenerPath", "listenerMetadata"}) {
      if (!profile_.contains(unsupported)) continue;
      const json& value = profile_[unsupported];
      if (value.is_null() || (value.is_array() && value.empty()) ||
          (value.is_string() && value.get<std::string>().empty())) {
        continue;
      }
      fail(std::string("`") + unsupported + "` is not supported by gantry");
    }
    const std::uint32_t default_action =
        action(field<std::string>(profile_, "defaultAction", "the profile"),
               profile_.value("defaultErrnoRet", json()), "defaultAction");
    ctx_.reset(seccomp_init(default_action));
    if (!ctx_) fail("cannot create a filter for its defaultAction");
    for (std::uint32_t arch : architectures()) {
      const int rc = seccomp_arch_add(ctx_.get(), arch);
      if (rc < 0 && rc != -EEXIST) fail("cannot add architecture " + std::to_string(arch), -rc);
    }
    if (profile_.contains("syscalls") && !profile_["syscalls"].is_null()) {
      const json& syscalls = profile_["syscalls"];
      if (!syscalls.is_array()) fail("`syscalls` is not a list");
      for (std::size_t i = 0; i < syscalls.size(); ++i) add_rule(syscalls[i], default_action, i);
    }
    return compile_bpf(ctx_.get());
  }

 private:
  [[noreturn]] void fail(const std::string& what, int error = 0) const {
    if (error) throw errno_error("seccomp profile `" + name_ + "`: " + what, error);
    throw Error("seccomp profile `" + name_ + "`: " + what);
  }

  template <typename T>
  T field(const json& object, const char* key, const std::string& where) const {
    if (!object.is_object() || !object.contains(key)) fail(where + " has no `" + key + "`");
    try {
      return object[key].get<T>();
    } catch (const json::exception&) {
      fail(where + ": `" + key + "` has the wrong type");
    }
  }

  std::uint32_t action(const std::string& name, const json& errno_ret,
                       const std::string& where) const {
    auto code = [&]() -> std::uint16_t {
      if (errno_ret.is_null()) return EPERM;
      if (!errno_ret.is_number_unsigned()) fail(where + ": errnoRet is not a number");
      return static_cast<std::uint16_t>(errno_ret.get<unsigned>());
    };
    if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
    if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(code());
    if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
    if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
    if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
    if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(code());
    if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
    if (name == "SCMP_ACT_NOTIFY") fail(where + ": SCMP_ACT_NOTIFY is not supported by gantry");
    fail(where + ": unknown action `" + name + "`");
  }

  std::uint32_t arch(const std::string& name) const {
    // "SCMP_ARCH_X86_64" is libseccomp's "x86_64".
    std::string lower = name.starts_with("SCMP_ARCH_") ? name.substr(10) : name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    const std::uint32_t token = seccomp_arch_resolve_name(lower.c_str());
    if (token == 0) fail("unknown architecture `" + name + "`");
    return token;
  }

  // `architectures` when given, else archMap's entry for this machine and its sub-architectures.
  std::vector<std::uint32_t> architectures() const {
    std::vector<std::uint32_t> out;
    if (profile_.contains("architectures") && !profile_["architectures"].is_null()) {
      for (const auto& name :
           field<std::vector<std::string>>(profile_, "architectures", "the profile")) {
        out.push_back(arch(name));
      }
      return out;
    }
    if (!profile_.contains("archMap") || profile_["archMap"].is_null()) return out;
    for (const json& entry : profile_["archMap"]) {
      if (arch(field<std::string>(entry, "architecture", "an archMap entry")) !=
          seccomp_arch_native())
        continue;
      out.push_back(seccomp_arch_native());
      if (entry.contains("subArchitectures") && !entry["subArchitectures"].is_null()) {
        for (const auto& sub :
             field<std::vector<std::string>>(entry, "subArchitectures", "an archMap entry")) {
          out.push_back(arch(sub));
        }
      }
    }
    return out;
  }

  // Whether a rule's includes/excludes keep it for the run on this machine.
  bool applies(const json& rule, const std::string& where) const {
    const std::string machine = native_arch();
    if (rule.contains("includes") && rule["includes"].is_object()) {
      const json& in = rule["includes"];
      if (in.contains("caps") && !in["caps"].is_null()) {
        for (const auto& cap : field<std::vector<std::string>>(in, "caps", where)) {
          if (!has_capability(cap, capabilities_)) return false;
        }
      }
      if (in.contains("arches") && !in["arches"].is_null()) {
        const auto arches = field<std::vector<std::string>>(in, "arches", where);
        if (std::find(arches.begin(), arches.end(), machine) == arches.end()) return false;
      }
      if (in.contains("minKernel") && !in["minKernel"].is_null() &&
          !kernel_at_least(field<std::string>(in, "minKernel", where))) {
        return false;
      }
    }
    if (rule.contains("excludes") && rule["excludes"].is_object()) {
      const json& out = rule["excludes"];
      if (out.contains("caps") && !out["caps"].is_null()) {
        for (const auto& cap : field<std::vector<std::string>>(out, "caps", where)) {
          if (has_capability(cap, capabilities_)) return false;
        }
      }
      if (out.contains("arches") && !out["arches"].is_null()) {
        const auto arches = field<std::vector<std::string>>(out, "arches", where);
        if (std::find(arches.begin(), arches.end(), machine) != arches.end()) return false;
      }
      if (out.contains("minKernel") && !out["minKernel"].is_null() &&
          kernel_at_least(field<std::string>(out, "minKernel", where))) {
        return false;
      }
    }
    return true;
  }

  scmp_arg_cmp condition(const json& arg, const std::string& where) const {
    static const std::map<std::string, scmp_compare> kOps = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},
        {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE},
        {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
    const std::string op = field<std::string>(arg, "op", where);
    const auto it = kOps.find(op);
    if (it == kOps.end()) fail(where + ": unknown op `" + op + "`");
    const auto index = field<unsigned>(arg, "index", where);
    if (index > 5) fail(where + ": argument index " + std::to_string(index) + " is above 5");
    const auto value = field<std::uint64_t>(arg, "value", where);
    const auto value_two =
        arg.contains("valueTwo") ? field<std::uint64_t>(arg, "valueTwo", where) : 0;
    return scmp_arg_cmp{index, it->second, value, value_two};
  }

  void add_rule(const json& rule, std::uint32_t default_action, std::size_t position) {
    const std::string where = "syscalls[" + std::to_string(position) + "]";
    if (!rule.is_object()) fail(where + " is not an object");
    if (!applies(rule, where)) return;
    std::vector<std::string> names;
    if (rule.contains("names") && !rule["names"].is_null())
      names = field<std::vector<std::string>>(rule, "names", where);
    if (rule.contains("name")) names.push_back(field<std::string>(rule, "name", where));
    if (names.empty()) fail(where + " names no syscall");
    const std::uint32_t act =
        action(field<std::string>(rule, "action", where), rule.value("errnoRet", json()), where);
    // libseccomp refuses a rule that does what the default does; it changes nothing anyway.
    if (act == default_action) return;
    std::vector<scmp_arg_cmp> args;
    if (rule.contains("args") && !rule["args"].is_null()) {
      for (const json& arg : rule["args"]) args.push_back(condition(arg, where));
    }
    // libseccomp compares an argument once per rule: conditions on the same argument become a
    // rule each (any of them matching), as runc adds them.
    std::set<unsigned> indexes;
    for (const auto& a : args) indexes.insert(a.arg);
    const bool split = indexes.size() < args.size();
    for (const std::string& name : names) {
      const int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp: skipped, as runc does
      auto add = [&](const std::vector<scmp_arg_cmp>& conditions) {
        const int rc =
            seccomp_rule_add_array(ctx_.get(), act, nr, static_cast<unsigned>(conditions.size()),
                                   conditions.empty() ? nullptr : conditions.data());
        if (rc < 0) fail(where + ": cannot add the rule for `" + name + "`", -rc);
      };
      if (!split) {
        add(args);
      } else {
        for (const auto& a : args) add({a});
      }
    }
  }

  const json& profile_;
  const std::string& name_;
  const std::uint64_t capabilities_;
  SeccompContext ctx_;
};

}  // namespace

SeccompFilter compile_docker_profile(std::string_view text, const std::string& name,
                                     std::uint64_t capabilities) {
  json profile;
  try {
    profile = json::parse(text);
  } catch (const json::exception& e) {
    throw Error("seccomp profile `" + name + "`: not JSON: " + e.what());
  }
  if (!profile.is_object()) throw Error("seccomp profile `" + name + "`: not a JSON object");
  return SeccompFilter(ProfileCompiler(profile, name, capabilities).compile());
}

}  // namespace gantry::executor

#include "cli/security_flags.h"

#include <unistd.h>

#include "base/error.h"
#include "base/file_util.h"
#include "executor/seccomp_profile.h"

namespace gantry::cli {
namespace {

bool host_has_apparmor() {
  return ::access("/sys/kernel/security/apparmor", F_OK) == 0 ||
         ::access("/sys/module/apparmor/parameters/enabled", F_OK) == 0;
}

bool host_has_selinux() { return ::access("/sys/fs/selinux/enforce", F_OK) == 0; }

executor::SecurityOptions::Seccomp seccomp_profile(const std::string& option,
                                                   const std::string& file,
                                                   std::uint64_t capabilities,
                                                   executor::SecurityOptions& out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw UsageError("--security-opt `" + option + "`: `" + file + "` is not a file");
  }
  try {
    out.seccomp_profile = read_file(file);
    // Compiled now, for the run's capabilities (which pick the rules that apply), so that a bad
    // profile is a usage error before anything runs; the executor compiles it again on first use.
    (void)executor::compile_docker_profile(out.seccomp_profile, file, capabilities);
  } catch (const Error& e) {
    throw UsageError("--security-opt `" + option + "`: " + e.what());
  }
  out.seccomp_profile_name = file;
  return executor::SecurityOptions::Seccomp::Profile;
}

}  // namespace

void add_security_flags(CLI::App& command, SecurityFlags& flags) {
  command
      .add_option("--security-opt", flags.options,
                  "Security options: seccomp=unconfined, seccomp=PROFILE.json, "
                  "no-new-privileges[=true|false]")
      ->allow_extra_args(false);
}

executor::SecurityOptions parse_security_options(const SecurityFlags& flags,
                                                 std::uint64_t capabilities) {
  executor::SecurityOptions out;
  for (const std::string& option : flags.options) {
    // docker's older form KEY:VALUE is still accepted by docker; a file path may hold ':' too,
    // so '=' wins when there is one.
    std::size_t split = option.find('=');
    if (split == std::string::npos) split = option.find(':');
    const std::string key = option.substr(0, split);
    const std::string value = split == std::string::npos ? "" : option.substr(split + 1);
    if (key == "seccomp") {
      if (value.empty())
        throw UsageError("--security-opt `" + option +
                         "`: seccomp= needs unconfined or a profile file");
      if (value == "unconfined") {
        out.seccomp = executor::SecurityOptions::Seccomp::Unconfined;
      } else {
        out.seccomp = seccomp_profile(option, value, capabilities, out);
      }
    } else if (key == "no-new-privileges") {
      if (split != std::string::npos && value != "true" && value != "false") {
        throw UsageError("--security-opt `" + option + "`: no-new-privileges takes true or false");
      }
      out.no_new_privileges = value != "false";
    } else if (key == "apparmor") {
      if (host_has_apparmor()) {
        throw UsageError("--security-opt `" + option +
                         "`: gantry does not apply AppArmor profiles");
      }
      if (value != "unconfined") {
        throw UsageError("--security-opt `" + option +
                         "`: this host has no AppArmor (only apparmor=unconfined holds here)");
      }
    } else if (key == "label") {
      if (host_has_selinux()) {
        throw UsageError("--security-opt `" + option + "`: gantry does not apply SELinux labels");
      }
      if (value != "disable") {
        throw UsageError("--security-opt `" + option +
                         "`: this host has no SELinux (only label=disable holds here)");
      }
    } else {
      throw UsageError(
          "--security-opt `" + option + "`: unknown option `" + key +
          "` (gantry knows seccomp=, no-new-privileges, apparmor=unconfined, label=disable)");
    }
  }
  return out;
}

}  // namespace gantry::cli

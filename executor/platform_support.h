// Which platforms' programs this host runs: its own natively (and what base/platform.h's
// matcher says its CPU also runs, as 386 on amd64), and others through binfmt_misc handlers
// (QEMU's user-mode emulators, which scripts/binfmt.sh registers).
//
// A handler counts only when it is enabled and registered with the F (fix-binary) flag: the
// kernel then opened its interpreter at registration, so a program of that platform runs inside
// the sandbox too, whose root (after pivot_root) does not have the interpreter's path. Which
// platform a handler serves is read from its magic and mask, matched against the ELF header
// each platform's programs start with, so that any handler's name (qemu-aarch64, aarch64, ...)
// is understood.
//
//   const PlatformSupport host = PlatformSupport::of_host();
//   host.require(Platform::parse("linux/arm64"));   // throws Error saying how to enable it
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/platform.h"

namespace gantry::executor {

// One entry of binfmt_misc (/proc/sys/fs/binfmt_misc/NAME).
struct BinfmtHandler {
  std::string name;
  bool enabled = false;
  std::string interpreter;
  std::string flags;        // "POF"
  bool by_magic = false;    // a magic-number handler (not one by file name extension)
  std::size_t offset = 0;
  std::string magic, mask;  // bytes; the mask as long as the magic
  bool fix_binary() const { return flags.find('F') != std::string::npos; }
};

// The handlers registered in the binfmt_misc mounted at `dir`; none when it is not mounted, or
// when its `status` says binfmt_misc is disabled. Throws Error naming an entry it cannot read.
std::vector<BinfmtHandler> read_binfmt_handlers(const std::filesystem::path& dir);

inline constexpr const char* kBinfmtMiscDir = "/proc/sys/fs/binfmt_misc";

class PlatformSupport {
 public:
  PlatformSupport(Platform host, std::vector<BinfmtHandler> handlers);
  // The host's platform and the handlers of its binfmt_misc.
  static PlatformSupport of_host();

  // The host's platform first, then those emulated, in a fixed order.
  std::vector<Platform> platforms() const;
  bool native(const Platform& platform) const;
  // Runs natively or through a handler with the F flag.
  bool runs(const Platform& platform) const;
  // Throws Error "platform `linux/arm64`: ..." saying why the host cannot run its programs and
  // how to make it, when it cannot.
  void require(const Platform& platform) const;

 private:
  // The handler that runs `platform`'s programs (with F or not), or null.
  const BinfmtHandler* handler_for(const Platform& platform) const;

  Platform host_;
  std::vector<BinfmtHandler> handlers_;
};

}  // namespace gantry::executor

#include "executor/platform_support.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <system_error>

#include "base/error.h"

namespace gantry::executor {

namespace fs = std::filesystem;

namespace {

// What the ELF header of a platform's programs says: its class, byte order and machine. The
// platforms listed are those QEMU's user-mode emulators run (in the order `gantry info` lists
// them); `platform` is how images name each, `qemu` how QEMU (and scripts/binfmt.sh) does.
struct ElfIdentity {
  const char* platform;
  const char* qemu;
  std::uint8_t elf_class;  // 1: 32-bit, 2: 64-bit
  std::uint8_t data;       // 1: little-endian, 2: big-endian
  std::uint16_t machine;   // e_machine
};

constexpr std::array kElfIdentities = {
    ElfIdentity{"linux/amd64", "x86_64", 2, 1, 62},     ElfIdentity{"linux/arm64", "aarch64", 2, 1, 183},
    ElfIdentity{"linux/arm/v7", "arm", 1, 1, 40},       ElfIdentity{"linux/arm/v6", "arm", 1, 1, 40},
    ElfIdentity{"linux/riscv64", "riscv64", 2, 1, 243}, ElfIdentity{"linux/ppc64le", "ppc64le", 2, 1, 21},
    ElfIdentity{"linux/s390x", "s390x", 2, 2, 22},      ElfIdentity{"linux/386", "i386", 1, 1, 3},
    ElfIdentity{"linux/mips64le", "mips64el", 2, 1, 8}, ElfIdentity{"linux/mips64", "mips64", 2, 2, 8},
    ElfIdentity{"linux/ppc64", "ppc64", 2, 2, 21},      ElfIdentity{"linux/loong64", "loongarch64", 2, 1, 258},
};

// The identity of `platform`'s programs (any variant of its architecture), or null.
const ElfIdentity* identity_of(const Platform& platform) {
  for (const ElfIdentity& id : kElfIdentities) {
    const Platform p = Platform::parse(id.platform);
    if (p.os == platform.os && p.architecture == platform.architecture) return &id;
  }
  return nullptr;
}

// The first bytes of an executable of `id`: the ELF identification, e_type ET_EXEC and e_machine.
std::string elf_header(const ElfIdentity& id) {
  std::string header(64, '\0');
  header[0] = 0x7f;
  header[1] = 'E';
  header[2] = 'L';
  header[3] = 'F';
  header[4] = static_cast<char>(id.elf_class);
  header[5] = static_cast<char>(id.data);
  header[6] = 1;  // EV_CURRENT
  auto half = [&](std::size_t at, std::uint16_t value) {
    const char low = static_cast<char>(value & 0xff), high = static_cast<char>(value >> 8);
    header[at] = id.data == 1 ? low : high;
    header[at + 1] = id.data == 1 ? high : low;
  };
  half(16, 2);  // ET_EXEC
  half(18, id.machine);
  return header;
}

// Whether the kernel would give `file`'s first bytes to `handler`.
bool takes(const BinfmtHandler& handler, const std::string& file) {
  if (!handler.by_magic || handler.magic.empty() || handler.offset + handler.magic.size() > file.size())
    return false;
  for (std::size_t i = 0; i < handler.magic.size(); ++i) {
    const auto mask = static_cast<unsigned char>(handler.mask[i]);
    if ((static_cast<unsigned char>(file[handler.offset + i]) & mask) !=
        (static_cast<unsigned char>(handler.magic[i]) & mask))
      return false;
  }
  return true;
}

std::string bytes_of_hex(const std::string& hex, const fs::path& entry) {
  if (hex.size() % 2 != 0) throw Error("binfmt_misc handler `" + entry.string() + "`: odd-length hex `" + hex + "`");
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    try {
      out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    } catch (const std::exception&) {
      throw Error("binfmt_misc handler `" + entry.string() + "`: `" + hex + "` is not hex");
    }
  }
  return out;
}

std::size_t offset_of(const std::string& text, const fs::path& entry) {
  try {
    return static_cast<std::size_t>(std::stoul(text));
  } catch (const std::exception&) {
    throw Error("binfmt_misc handler `" + entry.string() + "`: offset `" + text + "` is not a number");
  }
}

BinfmtHandler read_handler(const fs::path& entry) {
  std::ifstream in(entry);
  if (!in) throw Error("binfmt_misc handler `" + entry.string() + "`: cannot be read");
  BinfmtHandler h{.name = entry.filename().string()};
  std::string hex_mask;
  for (std::string line; std::getline(in, line);) {
    const std::size_t space = line.find(' ');
    const std::string key = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    if (line == "enabled") h.enabled = true;
    else if (key == "interpreter") h.interpreter = value;
    else if (key == "flags:") h.flags = value;
    else if (key == "offset") h.offset = offset_of(value, entry);
    else if (key == "magic") {
      h.by_magic = true;
      h.magic = bytes_of_hex(value, entry);
    } else if (key == "mask") hex_mask = value;
  }
  h.mask = hex_mask.empty() ? std::string(h.magic.size(), '\xff') : bytes_of_hex(hex_mask, entry);
  if (h.mask.size() != h.magic.size())
    throw Error("binfmt_misc handler `" + entry.string() + "`: its mask and magic differ in length");
  return h;
}

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// How to make the host run `id`'s programs.
std::string how_to_enable(const ElfIdentity& id) {
  return std::string("as root, `scripts/binfmt.sh ") + id.qemu +
         "` registers QEMU's handler (Debian's qemu-user-static) with the F flag";
}

}  // namespace

std::vector<BinfmtHandler> read_binfmt_handlers(const fs::path& dir) {
  std::vector<BinfmtHandler> out;
  std::error_code ec;
  if (!fs::exists(dir / "status", ec) || first_line(dir / "status") != "enabled") return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == "status" || name == "register" || !entry.is_regular_file()) continue;
    out.push_back(read_handler(entry.path()));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

PlatformSupport::PlatformSupport(Platform host, std::vector<BinfmtHandler> handlers)
    : host_(std::move(host)), handlers_(std::move(handlers)) {}

PlatformSupport PlatformSupport::of_host() {
  return PlatformSupport(host_platform(), read_binfmt_handlers(kBinfmtMiscDir));
}

// Any variant of the host's architecture counts: which amd64 level the CPU reaches is not
// asked, as --platform linux/amd64/v3 was taken before.
bool PlatformSupport::native(const Platform& platform) const {
  return (platform.os == host_.os && platform.architecture == host_.architecture) ||
         PlatformMatcher(host_).matches(platform);
}

const BinfmtHandler* PlatformSupport::handler_for(const Platform& platform) const {
  const ElfIdentity* id = identity_of(platform);
  if (!id) return nullptr;
  const std::string header = elf_header(*id);
  const BinfmtHandler* found = nullptr;
  // The kernel tries the newest registration first; an enabled one with F is what counts here.
  for (const BinfmtHandler& h : handlers_)
    if (takes(h, header) && (!found || (h.enabled && h.fix_binary()))) found = &h;
  return found;
}

bool PlatformSupport::runs(const Platform& platform) const {
  if (native(platform)) return true;
  const BinfmtHandler* h = handler_for(platform);
  return h && h->enabled && h->fix_binary();
}

std::vector<Platform> PlatformSupport::platforms() const {
  std::vector<Platform> out{host_};
  for (const ElfIdentity& id : kElfIdentities) {
    Platform p = Platform::parse(id.platform);
    if (!native(p) && runs(p)) out.push_back(std::move(p));
  }
  return out;
}

void PlatformSupport::require(const Platform& platform) const {
  if (runs(platform)) return;
  const std::string what = "platform `" + platform.str() + "`: ";
  const ElfIdentity* id = identity_of(platform);
  if (!id)
    throw Error(what + "this host (" + host_.str() + ") cannot run its programs, and gantry knows no emulator for it");
  const BinfmtHandler* h = handler_for(platform);
  if (!h)
    throw Error(what + "this host (" + host_.str() + ") cannot run its programs: no binfmt_misc handler takes them; " +
                how_to_enable(*id));
  if (!h->enabled) throw Error(what + "its binfmt_misc handler `" + h->name + "` is disabled; " + how_to_enable(*id));
  throw Error(what + "its binfmt_misc handler `" + h->name +
              "` is registered without the F (fix-binary) flag, so its interpreter `" + h->interpreter +
              "` cannot be found inside the sandbox; " + how_to_enable(*id));
}

}  // namespace gantry::executor

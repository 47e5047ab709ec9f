#include "executor/path_in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/error.h"

namespace gantry::executor {

UniqueFd open_clean_in_root(int root_fd, const char* relative, int flags,
                            std::uint64_t extra_resolve) noexcept {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve;
  return UniqueFd(static_cast<int>(
      ::syscall(SYS_openat2, root_fd, *relative ? relative : ".", &how, sizeof how)));
}

UniqueFd try_open_in_root(int root_fd, std::string_view path, int flags) {
  return open_clean_in_root(root_fd, clean_relative(path).c_str(), flags);
}

UniqueFd open_in_root(int root_fd, std::string_view path, int flags) {
  UniqueFd fd = try_open_in_root(root_fd, path, flags);
  if (!fd) throw_errno("open `" + std::string(path) + "` in the container");
  return fd;
}

std::string clean_relative(std::string_view path) {
  // Lexical folding is safe here: every lookup is also confined by RESOLVE_IN_ROOT.
  std::filesystem::path normal = (std::filesystem::path("/") / path).lexically_normal();
  std::string text = normal.relative_path().string();
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

}  // namespace gantry::executor

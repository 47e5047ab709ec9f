#include "cli/standard_streams.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace gantry::cli {

exporter::OutputTarget archive_to_stdout(const std::string& command, const std::string& instead) {
  if (::isatty(STDOUT_FILENO))
    throw UsageError(command + ": cowardly refusing to write an archive to a terminal; " + instead);
  return exporter::OutputTarget::stream(STDOUT_FILENO, "standard output");
}

std::filesystem::path spool_stdin(const std::filesystem::path& dir, const std::string& command,
                                  const std::string& instead) {
  if (::isatty(STDIN_FILENO))
    throw UsageError(command + ": no archive to read: give " + instead + " or pipe one to standard input");
  const std::filesystem::path file = dir / "stdin.tar";
  UniqueFd out(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) throw_errno("create `" + file.string() + "`");
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(command + ": read standard input");
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out.get(), buffer.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw_errno("write `" + file.string() + "`");
      done += w;
    }
  }
  return file;
}

}  // namespace gantry::cli

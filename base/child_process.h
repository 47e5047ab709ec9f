// The pieces every place that runs a program and reads what it prints needs: pipes, a child
// that is killed and reaped when its owner gives up on it, and a read of its output that
// cannot deadlock on a full pipe nor fill the memory.
//
//   Pipe out = make_pipe(what), err = make_pipe(what);
//   Child child(spawn_somehow(out.write, err.write));   // killed and reaped if we throw
//   out.write.reset(); err.write.reset();               // only the child writes them now
//   ChildOutput said = drain(std::move(out.read), std::move(err.read), 1 << 20, what);
//   int status = child.wait();
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace gantry {

struct Pipe {
  UniqueFd read, write;
};

// A pipe whose ends are closed on exec. Throws Error "<what>: pipe: <cause>".
Pipe make_pipe(const std::string& what);

// The program `name` in /usr/bin, /bin or /usr/local/bin: a library reads no environment, so no
// $PATH; Debian's packages put their programs there. Throws Error "<what>: `name` not found in
// ... (<install_hint>)".
std::filesystem::path find_program(const std::string& name, const std::string& what, const std::string& install_hint);

// Starts `argv` in a session of its own (no terminal to prompt on) with default signal
// handling, exactly `env` as its environment, `in` as its stdin, `out` as its stdout and `err`
// as its stderr. Throws Error "<what>: start `path`: <cause>".
pid_t spawn_program(const std::filesystem::path& path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& env, int in, int out, int err, const std::string& what);

// A started program, killed (SIGKILL) and reaped on destruction unless waited for.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();
  // Waits for the program to end: its exit status, or 128 + the signal that ended it.
  int wait();

 private:
  pid_t pid_;
};

struct ChildOutput {
  std::string out, err;
};

// Reads `out` and `err` to their ends, both at once (a program blocked on a full stderr would
// never close its stdout). Throws Error "<what>: printed more than <limit> bytes" once either
// would hold more than `limit` bytes; the caller's Child then kills the program.
ChildOutput drain(UniqueFd out, UniqueFd err, std::size_t limit, const std::string& what);

}  // namespace gantry

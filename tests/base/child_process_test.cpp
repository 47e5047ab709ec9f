#include "base/child_process.h"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <string>

#include "base/error.h"

namespace gantry {
namespace {

// `/bin/sh -c script` with its stdout and stderr on the write ends of `out` and `err`.
pid_t start_shell(const std::string& script, const Pipe& out, const Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  std::string sh = "/bin/sh", c = "-c", text = script;
  char* argv[] = {sh.data(), c.data(), text.data(), nullptr};
  char* envp[] = {nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw errno_error("start /bin/sh", rc);
  return pid;
}

TEST(ChildProcess, DrainReadsBothStreamsPastWhatAPipeHolds) {
  // 200 KiB on stderr before a byte of stdout: read one stream at a time, this would block.
  Pipe out = make_pipe("test"), err = make_pipe("test");
  Child child(start_shell("head -c 204800 /dev/zero >&2; echo done", out, err));
  out.write.reset();
  err.write.reset();
  const ChildOutput said = drain(std::move(out.read), std::move(err.read), 1 << 20, "test");
  EXPECT_EQ(said.out, "done\n");
  EXPECT_EQ(said.err.size(), 204800u);
  EXPECT_EQ(child.wait(), 0);
}

TEST(ChildProcess, DrainStopsAtTheLimitAndTheChildIsKilledAndReaped) {
  Pipe out = make_pipe("test"), err = make_pipe("test");
  pid_t pid = -1;
  {
    // A program that never stops printing: drain refuses past the limit, and the Child going
    // out of scope kills it rather than waiting on it forever.
    pid = start_shell("while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done", out,
                      err);
    Child child(pid);
    out.write.reset();
    err.write.reset();
    try {
      drain(std::move(out.read), std::move(err.read), 64 * 1024, "`talker`");
      FAIL() << "no error past the limit";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "`talker`: printed more than 65536 bytes");
    }
  }
  errno = 0;
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);  // already reaped
  EXPECT_EQ(errno, ECHILD);
}

TEST(ChildProcess, WaitGivesTheExitStatusOr128PlusTheSignal) {
  Pipe out = make_pipe("test"), err = make_pipe("test");
  Child exits(start_shell("exit 3", out, err));
  Child killed(start_shell("kill -TERM $$", out, err));
  EXPECT_EQ(exits.wait(), 3);
  EXPECT_EQ(killed.wait(), 128 + SIGTERM);
}

}  // namespace
}  // namespace gantry

// docker run's flags on gantry run, end to end: each one's effect seen from inside the
// container (/proc, /etc, mount table), and the refusals and exit codes docker scripts rely on:
// the command's own code, 125 for gantry's errors, 126 and 127 for a command that cannot run.
#include <gtest/gtest.h>

#include <regex>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

class RunFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.import_busybox(); }

  Outcome run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), "run");
    return env_.gantry(std::move(args), std::move(env));
  }

  // gantry run through a shell, for pipes: `shell_tail` follows the gantry command.
  Outcome piped(const std::string& shell_line) {
    return run_command({"sh", "-c", shell_line}, {{"GANTRY_ROOT", env_.root().string()}});
  }

  // The line of /proc/self/status for `key` ("CapEff") inside a container run with `flags`.
  std::string status_line(std::vector<std::string> flags, const std::string& key) {
    flags.insert(flags.end(), {"busybox", "grep", "^" + key + ":", "/proc/self/status"});
    const Outcome o = run(flags);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.out;
  }

  // The /proc/mounts line of the mount on `path`.
  std::string mount_line(std::vector<std::string> flags, const std::string& path) {
    flags.insert(flags.end(), {"busybox", "grep", " " + path + " ", "/proc/mounts"});
    const Outcome o = run(flags);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.out;
  }

  void build(const std::string& tag, const std::string& dockerfile) {
    const fs::path ctx = env_.scratch() / tag;
    fs::create_directories(ctx);
    write_file_atomic(ctx / "Dockerfile", dockerfile);
    const Outcome o = env_.gantry({"build", "-t", tag, ctx.string()});
    ASSERT_EQ(o.exit_code, 0) << o.err;
  }

  // A usage error: exit code 125 and one line that holds every needle.
  static void expect_refused(const Outcome& o, const std::vector<std::string>& needles) {
    EXPECT_EQ(o.exit_code, 125) << o.err;
    EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << "one line: " << o.err;
    for (const auto& needle : needles) EXPECT_NE(o.err.find(needle), std::string::npos) << o.err;
  }

  GantryEnv env_;
};

}  // namespace

TEST_F(RunFlagsTest, InteractiveAttachesStdinAndWithoutItStdinIsDevNull) {
  const std::string gantry = gantry_binary();
  Outcome o = piped("printf 'hi\\nthere' | " + gantry + " run -i busybox cat");
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "hi\nthere") << "stdin and stdout pass through byte for byte";
  o = piped("echo hi | " + gantry + " run busybox sh -c 'cat; readlink /proc/self/fd/0'");
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "/dev/null\n");
}

TEST_F(RunFlagsTest, TtyAloneGivesTheContainerATerminalOfItsOwn) {
  // gantry's stdout is a pipe here: the container's is still a terminal, /dev/pts/0 of its own
  // devpts, which turns its newlines into CR LF as a terminal does.
  const Outcome o = run({"-t", "busybox", "sh", "-c", "tty; exit 5"});
  EXPECT_EQ(o.exit_code, 5) << o.err;
  EXPECT_EQ(o.out, "/dev/pts/0\r\n");
  expect_refused(run({"-it", "busybox", "true"}), {"the input device is not a TTY"});
}

TEST_F(RunFlagsTest, EntrypointReplacesTheImagesAndDropsItsCmd) {
  build("ep:1", "FROM busybox:latest\nENTRYPOINT [\"echo\", \"image-entrypoint\"]\nCMD [\"image-cmd\"]\n");
  EXPECT_EQ(run({"ep:1"}).out, "image-entrypoint image-cmd\n");
  EXPECT_EQ(run({"ep:1", "given"}).out, "image-entrypoint given\n");
  EXPECT_EQ(run({"--entrypoint", "/bin/echo", "ep:1"}).out, "\n") << "the image's CMD is dropped";
  EXPECT_EQ(run({"--entrypoint", "/bin/echo", "ep:1", "a", "b"}).out, "a b\n");
  // An empty entrypoint (both spellings): the image's CMD, or the command, alone.
  const Outcome cmd_alone = run({"--entrypoint", "", "ep:1"});
  EXPECT_EQ(cmd_alone.exit_code, 127) << cmd_alone.err;
  EXPECT_NE(cmd_alone.err.find("image-cmd"), std::string::npos) << cmd_alone.err;
  EXPECT_EQ(run({"--entrypoint=", "ep:1", "echo", "plain"}).out, "plain\n");
}

TEST_F(RunFlagsTest, EnvFileTakesDockersFormat) {
  const fs::path file = env_.scratch() / "app.env";
  write_file_atomic(file,
                    "# a comment\n"
                    "\n"
                    "  GREETING=hello world\n"
                    "QUOTED=\"kept\"\n"
                    "FROM_HOST\n"
                    "NOT_ON_HOST\n"
                    "OVERRIDDEN=file\n");
  const Outcome o = run({"--env-file", file.string(), "-e", "OVERRIDDEN=flag", "busybox", "sh", "-c",
                         "echo \"$GREETING|$QUOTED|$FROM_HOST|${NOT_ON_HOST-unset}|$OVERRIDDEN\""},
                        {{"FROM_HOST", "host value"}});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "hello world|\"kept\"|host value|unset|flag\n");

  const fs::path bad = env_.scratch() / "bad.env";
  write_file_atomic(bad, "OK=1\nBAD KEY=2\n");
  expect_refused(run({"--env-file", bad.string(), "busybox", "true"}), {bad.string(), "line 2", "BAD KEY"});
  expect_refused(run({"--env-file", (env_.scratch() / "missing.env").string(), "busybox", "true"}), {"missing.env"});
}

TEST_F(RunFlagsTest, MountBindsAndTmpfsAsDockerDoes) {
  const fs::path dir = env_.scratch() / "shared";
  fs::create_directories(dir);
  write_file_atomic(dir / "in.txt", "from the host\n");
  const std::string bind = "type=bind,source=" + dir.string() + ",target=/data";

  Outcome o = run({"--mount", bind + ",readonly", "busybox", "sh", "-c", "cat /data/in.txt; touch /data/new"});
  EXPECT_EQ(o.out, "from the host\n");
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.err.find("Read-only file system"), std::string::npos) << o.err;
  o = run({"--mount", bind, "busybox", "sh", "-c", "echo from the container > /data/out.txt"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(read_file(dir / "out.txt"), "from the container\n");

  const std::string tmpfs = mount_line({"--mount", "type=tmpfs,dst=/scratch,tmpfs-size=2m,tmpfs-mode=1770"}, "/scratch");
  EXPECT_NE(tmpfs.find("tmpfs rw,nosuid,nodev,noexec"), std::string::npos) << tmpfs;
  EXPECT_NE(tmpfs.find("size=2048k"), std::string::npos) << tmpfs;
  EXPECT_NE(tmpfs.find("mode=1770"), std::string::npos) << tmpfs;
  const std::string run_dir = mount_line({"--tmpfs", "/run:size=1m,mode=700,exec"}, "/run");
  EXPECT_NE(run_dir.find("tmpfs rw,nosuid,nodev,relatime,size=1024k,mode=700"), std::string::npos) << run_dir;
  const std::string plain = mount_line({"--tmpfs", "/cache"}, "/cache");
  EXPECT_NE(plain.find("tmpfs rw,nosuid,nodev,noexec"), std::string::npos) << plain;

  expect_refused(run({"--mount", bind + ",colour=red", "busybox", "true"}), {"colour"});
  expect_refused(run({"--mount", "type=volume,target=/v", "busybox", "true"}), {"type=volume", "no volumes"});
  expect_refused(run({"--mount", "type=bind,source=/no/such/dir,target=/x", "busybox", "true"}), {"/no/such/dir"});
  expect_refused(run({"--mount", bind + ",bind-propagation=rshared", "busybox", "true"}), {"rshared"});
  expect_refused(run({"--tmpfs", "/x:dev", "busybox", "true"}), {"`dev`"});
}

TEST_F(RunFlagsTest, ReadOnlyRootKeepsItsMountsWritable) {
  const Outcome o = run({"--read-only", "--tmpfs", "/tmp", "busybox", "sh", "-c",
                         "echo ok > /tmp/file && cat /tmp/file && touch /file"});
  EXPECT_EQ(o.out, "ok\n");
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.err.find("/file: Read-only file system"), std::string::npos) << o.err;
  EXPECT_EQ(run({"busybox", "touch", "/file"}).exit_code, 0) << "without --read-only the root is writable";
}

TEST_F(RunFlagsTest, CapAddAndCapDropChangeDockersDefaultSet) {
  EXPECT_EQ(status_line({}, "CapEff"), "CapEff:\t00000000a80425fb\n") << "docker's default set";
  EXPECT_EQ(status_line({"--cap-add", "NET_ADMIN"}, "CapEff"), "CapEff:\t00000000a80435fb\n");
  EXPECT_EQ(status_line({"--cap-drop", "chown", "--cap-drop", "CAP_NET_RAW"}, "CapBnd"), "CapBnd:\t00000000a80405fa\n");
  EXPECT_EQ(status_line({"--cap-drop", "ALL", "--cap-add", "cap_kill"}, "CapEff"), "CapEff:\t0000000000000020\n");
  const std::string all_but_raw = status_line({"--cap-add", "ALL", "--cap-drop", "NET_RAW"}, "CapEff");
  EXPECT_NE(all_but_raw, "CapEff:\t00000000a80425fb\n");
  EXPECT_EQ(std::stoull(all_but_raw.substr(8), nullptr, 16) & (1ULL << 13), 0u) << all_but_raw;
  expect_refused(run({"--cap-add", "FLY", "busybox", "true"}), {"--cap-add", "FLY"});
}

TEST_F(RunFlagsTest, CapAddOpensTheSyscallsDockersProfileGivesThatCapability) {
  // Without CAP_SYS_ADMIN, seccomp refuses new namespaces and mounts; with it, as docker, not.
  const Outcome refused = run({"busybox", "unshare", "-m", "true"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("Operation not permitted"), std::string::npos) << refused.err;
  const Outcome o = run(
      {"--cap-add", "SYS_ADMIN", "busybox", "sh", "-c",
       "unshare -m true && mkdir /m && mount -t tmpfs made-here /m && grep ' /m ' /proc/mounts"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("made-here /m tmpfs"), std::string::npos) << o.out;
}

TEST_F(RunFlagsTest, SeccompProfileIsCheckedForTheRunsCapabilities) {
  // A rule kept only for CAP_SYS_ADMIN is compiled (and its fault found) only with --cap-add
  // SYS_ADMIN: then the fault is a usage error before the run, as any other in the profile.
  const fs::path profile = env_.scratch() / "admin-rule.json";
  write_file_atomic(profile, R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mount"], "action": "SCMP_ACT_SOMETIMES", "includes": {"caps": ["CAP_SYS_ADMIN"]}}
    ]
  })");
  const std::string option = "seccomp=" + profile.string();
  EXPECT_EQ(run({"--security-opt", option, "busybox", "true"}).exit_code, 0);
  expect_refused(run({"--security-opt", option, "--cap-add", "SYS_ADMIN", "busybox", "true"}),
                 {"--security-opt", "unknown action `SCMP_ACT_SOMETIMES`"});
}

TEST_F(RunFlagsTest, PrivilegedHasEveryCapabilityNoSeccompAndWritableSys) {
  EXPECT_EQ(status_line({"--privileged"}, "Seccomp"), "Seccomp:\t0\n");
  EXPECT_EQ(status_line({}, "Seccomp"), "Seccomp:\t2\n");
  const std::string privileged = status_line({"--privileged"}, "CapBnd");
  EXPECT_NE(privileged, "CapBnd:\t00000000a80425fb\n");
  EXPECT_NE(std::stoull(privileged.substr(8), nullptr, 16) & (1ULL << 21), 0u) << "CAP_SYS_ADMIN: " << privileged;
  EXPECT_NE(mount_line({"--privileged"}, "/sys").find("sysfs rw,"), std::string::npos);
  EXPECT_NE(mount_line({}, "/sys").find("sysfs ro,"), std::string::npos);
  // Docker's masked paths are masked no more.
  const Outcome masked = run({"--privileged", "busybox", "sh", "-c", "grep -E ' /proc/(acpi|keys|timer_list) ' /proc/mounts || echo unmasked"});
  EXPECT_EQ(masked.out, "unmasked\n") << masked.err;
  for (const char* path : {"/proc/acpi", "/proc/keys", "/proc/timer_list"}) {
    if (!fs::exists(path)) continue;  // not on this kernel
    EXPECT_NE(mount_line({}, path), "") << path << " is masked without --privileged";
    break;
  }
  // The host's devices, beyond docker's default set, are there and can be opened.
  for (const char* device : {"/dev/loop-control", "/dev/fuse", "/dev/kmsg"}) {
    if (!fs::exists(device)) continue;
    const std::string open = std::string("exec 3< ") + device + " && echo opened";
    const Outcome o = run({"--privileged", "busybox", "sh", "-c", open});
    EXPECT_EQ(o.exit_code, 0) << device << ": " << o.err;
    EXPECT_EQ(o.out, "opened\n") << device;
    EXPECT_NE(run({"busybox", "sh", "-c", open}).exit_code, 0) << device << " without --privileged";
    break;
  }
}

TEST_F(RunFlagsTest, HostnameAddHostUlimitAndShmSize) {
  const Outcome o = run({"-h", "box", "--add-host", "db:10.1.2.3", "--ulimit", "nofile=100:200", "--shm-size", "1m",
                         "busybox", "sh", "-c", "hostname; grep -w db /etc/hosts; ulimit -n; df -k /dev/shm | tail -1"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(std::regex_search(o.out, std::regex("^box\n10\\.1\\.2\\.3\tdb\n100\n\\S+ +1024 "))) << o.out;
  expect_refused(run({"--ulimit", "bogus=1", "busybox", "true"}), {"bogus"});
}

TEST_F(RunFlagsTest, InitReapsOrphansForwardsSignalsAndPassesTheExitCodeOn) {
  // The inner shell leaves a sleep behind, orphaned: the init (PID 1) is its parent, and reaps
  // it once it ends, so no zombie is left for ps to see. (STAT may carry N, under nice.)
  Outcome o = run({"--init", "busybox", "sh", "-c",
                   "sh -c 'sleep 0.1 &'; sleep 1; ps -o pid,stat,comm; exit 7"});
  EXPECT_EQ(o.exit_code, 7) << o.err;
  EXPECT_TRUE(std::regex_search(o.out, std::regex("\n +1 +S[^ ]* +gantry-init\n"))) << o.out;
  EXPECT_FALSE(std::regex_search(o.out, std::regex(" Z "))) << "a zombie was left:\n" << o.out;
  // Nothing of gantry's command line shows in the init's /proc.
  o = run({"--init", "-e", "SECRET=hunter2", "busybox", "sh", "-c", "cat /proc/1/cmdline; cat /proc/1/environ"});
  EXPECT_EQ(o.out.find("hunter2"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("run"), std::string::npos) << o.out;
  // A signal to PID 1 reaches the command.
  o = run({"--init", "busybox", "sh", "-c", "trap 'echo got USR1; exit 9' USR1; kill -USR1 1; sleep 30 & wait"});
  EXPECT_EQ(o.exit_code, 9) << o.err;
  EXPECT_EQ(o.out, "got USR1\n");
  // The command killed by a signal: 128 + its number, as a shell reports it.
  EXPECT_EQ(run({"--init", "busybox", "sh", "-c", "kill -KILL $$"}).exit_code, 137);
  const Outcome missing = run({"--init", "busybox", "no-such-tool"});
  EXPECT_EQ(missing.exit_code, 127) << missing.err;
  // The init holds only stdin, stdout and stderr, none of the fds it set the container up with.
  // It lets go of them once the command has started, before it takes signals: the list is read
  // when the command gets a signal back from it. (The undumpable init's fds are for
  // CAP_SYS_PTRACE to list.)
  o = run({"--init", "--cap-add", "SYS_PTRACE", "busybox", "sh", "-c",
           "trap 'ls /proc/1/fd; exit 0' USR1; kill -USR1 1; sleep 30 & wait"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "0\n1\n2\n");
}

TEST_F(RunFlagsTest, NameAndDetachAreRefusedInOneLine) {
  expect_refused(run({"--name", "web", "busybox", "true"}), {"--name `web`", "gantry keeps no containers"});
  expect_refused(run({"-d", "busybox", "true"}), {"--detach", "gantry keeps no containers"});
}

TEST_F(RunFlagsTest, ImageIdsFullAndShortAreImages) {
  const Outcome id = env_.gantry({"inspect", "-f", "{{.Id}}", "busybox"});
  ASSERT_EQ(id.exit_code, 0) << id.err;
  const std::string full = id.out.substr(0, id.out.find('\n'));
  ASSERT_TRUE(full.starts_with("sha256:")) << full;
  for (const std::string& ref : {full, full.substr(7), full.substr(7, 12)}) {
    const Outcome o = run({"--pull", "never", ref, "echo", "ran"});
    EXPECT_EQ(o.exit_code, 0) << ref << ": " << o.err;
    EXPECT_EQ(o.out, "ran\n") << ref;
  }
}

TEST_F(RunFlagsTest, ExitCodesAreTheCommandsOrDockers) {
  EXPECT_EQ(run({"busybox", "sh", "-c", "exit 3"}).exit_code, 3);
  EXPECT_EQ(run({"busybox", "no-such-tool"}).exit_code, 127);
  EXPECT_EQ(run({"busybox", "/etc/passwd"}).exit_code, 126);
  expect_refused(run({"--pull", "never", "no-such-image:1", "true"}), {"no-such-image:1"});
  expect_refused(run({"--shm-size", "lots", "busybox", "true"}), {"--shm-size"});
}

}  // namespace gantry::e2e

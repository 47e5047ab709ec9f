// Runs real processes in the busybox rootfs: exit codes, output, the layer in the upper dir,
// env, cwd, users, error messages.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <memory>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"
#include "tests/executor/busybox_rootfs.h"

namespace gantry::executor {
namespace {

using testing::BusyboxRootfs;
using testing::Output;
using testing::run_collect;

class ExecutorRun : public ::testing::Test {
 protected:
  BusyboxRootfs rootfs;
  Executor executor{rootfs.state()};

  Output run_ok(const RunSpec& spec) {
    Output output;
    const RunResult result = run_collect(executor, spec, output);
    EXPECT_EQ(result.exit_code, 0) << "stderr: " << ::testing::PrintToString(output.err);
    return output;
  }
};

TEST_F(ExecutorRun, ReportsExitCodes) {
  for (int code : {0, 1, 3, 42, 255}) {
    Output output;
    const RunResult result =
        run_collect(executor, rootfs.spec("exit " + std::to_string(code)), output);
    EXPECT_EQ(result.exit_code, code);
    EXPECT_FALSE(result.signaled);
  }
}

TEST_F(ExecutorRun, ProcessIsPid1AndImmuneToItsOwnSigkill) {
  // The kernel protects a PID namespace's init from signals sent inside it.
  Output output;
  const RunResult result =
      run_collect(executor, rootfs.spec("kill -9 $$; echo $$; exit 7"), output);
  EXPECT_FALSE(result.signaled);
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_EQ(output.out, (std::vector<std::string>{"1"}));
}

TEST_F(ExecutorRun, StreamsStdoutAndStderrLines) {
  const Output output = run_ok(rootfs.spec("echo one; echo two >&2; echo three; printf tail"));
  EXPECT_EQ(output.out, (std::vector<std::string>{"one", "three", "tail"}));
  EXPECT_EQ(output.err, (std::vector<std::string>{"two"}));
}

TEST_F(ExecutorRun, LongLinesAreNotTruncated) {
  // 300000 characters: far more than a pipe buffer and our read buffer.
  const Output output =
      run_ok(rootfs.spec("i=0; while [ $i -lt 3000 ]; do printf '%0100d' $i; i=$((i+1)); done; "
                         "echo; seq 1 5000"));
  ASSERT_EQ(output.out.size(), 5001u);
  EXPECT_EQ(output.out[0].size(), 300000u);
  EXPECT_EQ(output.out[0].substr(0, 100), std::string(100, '0'));
  EXPECT_EQ(output.out.back(), "5000");
}

TEST_F(ExecutorRun, ChangesLandInUpperDirWithWhiteouts) {
  const RunSpec spec = rootfs.spec("echo hello > /made.txt && mkdir -p /a/b && rm /etc/deleteme");
  run_ok(spec);
  const auto& upper = spec.rootfs.upper_dir;
  EXPECT_EQ(read_file(upper / "made.txt"), "hello\n");
  EXPECT_TRUE(std::filesystem::is_directory(upper / "a/b"));
  struct stat st;
  ASSERT_EQ(::lstat((upper / "etc/deleteme").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  // The lower layer is untouched.
  EXPECT_EQ(read_file(rootfs.lower() / "etc/deleteme"), "from the lower layer\n");
}

TEST_F(ExecutorRun, ExecutorMountPointsDoNotLandInUpperDir) {
  // The fixture has no /proc, /dev, /sys or /etc/hosts: the executor creates them.
  RunSpec spec = rootfs.spec("true");
  spec.mounts.emplace_back(std::in_place_type<TmpfsMount>, "/mnt/scratch");
  run_ok(spec);
  for (const char* path : {"proc", "dev", "sys", "etc/hosts", "etc/resolv.conf",
                           "etc/hostname", "mnt/scratch", "mnt"}) {
    EXPECT_FALSE(std::filesystem::exists(spec.rootfs.upper_dir / path)) << path;
  }
}

TEST_F(ExecutorRun, CopiedUpImageDirKeepsTheImagesOwnerAndMode) {
  // The executor's mount points (/etc/hosts, ...) come from a layer under the image's, so a
  // write into /etc copies up the image's /etc, not the executor's.
  const auto etc = rootfs.lower() / "etc";
  ASSERT_EQ(::chown(etc.c_str(), 1000, 1000), 0);
  ASSERT_EQ(::chmod(etc.c_str(), 0750), 0);
  RunSpec spec = rootfs.spec("echo added > /etc/added");
  run_ok(spec);
  struct stat st;
  ASSERT_EQ(::stat((spec.rootfs.upper_dir / "etc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(read_file(spec.rootfs.upper_dir / "etc/added"), "added\n");
  EXPECT_FALSE(std::filesystem::exists(spec.rootfs.upper_dir / "etc/hosts"));
}

TEST_F(ExecutorRun, EmptyLowerDirsIsScratch) {
  RunSpec spec = rootfs.spec("unused");
  spec.rootfs.lower_dirs.clear();
  spec.mounts.push_back(
      BindMount{.source = rootfs.lower() / "bin", .target = "/bin", .readonly = true});
  spec.process.args = {"/bin/sh", "-c", "echo scratch > /out; ls /"};
  run_ok(spec);
  EXPECT_EQ(read_file(spec.rootfs.upper_dir / "out"), "scratch\n");
  // /bin, /etc, /proc, ... were made as mount points and are gone again.
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(spec.rootfs.upper_dir)) {
    entries.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(entries, (std::vector<std::string>{"out"}));
}

TEST_F(ExecutorRun, PassesEnvironment) {
  RunSpec spec = rootfs.spec("echo \"$GREETING\"; echo \"$PATH\"; echo \"$HOME\"");
  spec.process.env = {"GREETING=hello world"};
  const Output output = run_ok(spec);
  EXPECT_EQ(output.out, (std::vector<std::string>{
                            "hello world",
                            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                            "/root"}));
}

TEST_F(ExecutorRun, ExecFormLooksUpPathOfEnv) {
  RunSpec spec = rootfs.spec("unused");
  spec.process.args = {"echo", "exec", "form"};
  spec.process.env = {"PATH=/nowhere:/bin"};
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"exec form"}));
}

TEST_F(ExecutorRun, CreatesWorkingDirectory) {
  RunSpec spec = rootfs.spec("pwd; touch here");
  spec.process.cwd = "/work/dir";
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"/work/dir"}));
  EXPECT_TRUE(std::filesystem::exists(spec.rootfs.upper_dir / "work/dir/here"));
}

TEST_F(ExecutorRun, ResolvesUserByNameWithSupplementaryGroups) {
  RunSpec spec = rootfs.spec("id -u; id -g; id -G; echo $HOME");
  spec.process.user = "builder";
  EXPECT_EQ(run_ok(spec).out,
            (std::vector<std::string>{"1000", "1000", "1000 10 29", "/home/builder"}));
}

TEST_F(ExecutorRun, ResolvesUidAndGroupName) {
  RunSpec spec = rootfs.spec("id -u; id -g");
  spec.process.user = "1000:audio";
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"1000", "29"}));
  spec = rootfs.spec("id -u; id -g");
  spec.process.user = "4242:4343";  // unlisted numeric ids are used as they are
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"4242", "4343"}));
}

TEST_F(ExecutorRun, SetsUlimitsBeforeTheCommandEvenForAnotherUser) {
  RunSpec spec = rootfs.spec("ulimit -n; ulimit -Hn; ulimit -c");
  spec.process.user = "builder";
  spec.ulimits = {{"nofile", 1000, 3000}, {"core", -1, -1}};
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"1000", "3000", "unlimited"}));
}

TEST_F(ExecutorRun, UnknownUlimitOrSoftAboveHardIsAnErrorNamingIt) {
  for (const Ulimit& bad : {Ulimit{"files", 10, 10}, Ulimit{"nofile", 20, 10}, Ulimit{"nofile", -1, 10}}) {
    RunSpec spec = rootfs.spec("true");
    spec.ulimits = {bad};
    Output output;
    try {
      run_collect(executor, spec, output);
      ADD_FAILURE() << "expected an error for " << bad.name;
    } catch (const Error& e) {
      EXPECT_TRUE(std::string(e.what()).starts_with("ulimit `" + bad.name + "`: ")) << e.what();
    }
  }
}

TEST_F(ExecutorRun, DevShmHasTheSizeAsked) {
  RunSpec spec = rootfs.spec("df -k /dev/shm | tail -n 1 | awk '{print $2}'");
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"65536"}));
  spec = rootfs.spec("df -k /dev/shm | tail -n 1 | awk '{print $2}'");
  spec.shm_bytes = 256 << 20;
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"262144"}));
}

TEST_F(ExecutorRun, ExtraHostsFollowLocalhostInEtcHosts) {
  RunSpec spec = rootfs.spec("cat /etc/hosts");
  spec.process.extra_hosts = {{"db", "127.0.0.5"}, {"gw", std::string(kHostGateway)}};
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"127.0.0.1\tlocalhost gantry",
                                                         "::1\tlocalhost ip6-localhost ip6-loopback",
                                                         "127.0.0.5\tdb", "10.0.2.2\tgw"}));
  spec = rootfs.spec("cat /etc/hosts");  // another run with the same hostname but no extra hosts
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"127.0.0.1\tlocalhost gantry",
                                                         "::1\tlocalhost ip6-localhost ip6-loopback"}));
}

// Builds that share a state root are processes of their own, each with an Executor that sets up
// the state dir on its first run: on a fresh root they all write the resolv.conf copy at once,
// and a copy replaced while another run is binding it used to fail that run's mount (ENOENT).
TEST_F(ExecutorRun, ExecutorsStartingTogetherOnOneStateDirAllBindResolvConf) {
  constexpr int kExecutors = 8;
  std::string host_resolv;
  if (::access("/etc/resolv.conf", R_OK) == 0) host_resolv = read_file("/etc/resolv.conf");
  std::vector<RunSpec> specs;
  for (int i = 0; i < kExecutors; ++i) {
    specs.push_back(rootfs.spec("cat /etc/resolv.conf"));
    specs.back().process.network = Network::None;
  }
  std::vector<std::unique_ptr<Executor>> executors;
  for (int i = 0; i < kExecutors; ++i)
    executors.push_back(std::make_unique<Executor>(rootfs.state()));
  std::vector<Output> outputs(kExecutors);
  std::vector<int> exit_codes(kExecutors, -1);
  std::vector<std::string> errors(kExecutors);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kExecutors; ++i) {
      threads.emplace_back([&, i] {
        try {
          exit_codes[i] = run_collect(*executors[i], specs[i], outputs[i]).exit_code;
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    }
  }
  for (int i = 0; i < kExecutors; ++i) {
    EXPECT_EQ(errors[i], "") << "executor " << i;
    EXPECT_EQ(exit_codes[i], 0) << "executor " << i;
    EXPECT_EQ(outputs[i].all_out(), host_resolv) << "executor " << i;
  }
}

TEST_F(ExecutorRun, UnknownUserIsAnError) {
  RunSpec spec = rootfs.spec("true");
  spec.process.user = "ghost";
  Output output;
  try {
    run_collect(executor, spec, output);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown user `ghost`: no matching entry in /etc/passwd");
  }
  spec = rootfs.spec("true");
  spec.process.user = "builder:ghosts";
  EXPECT_THROW(run_collect(executor, spec, output), Error);
}

TEST_F(ExecutorRun, MissingShellIsAnError) {
  RunSpec spec = rootfs.spec("true");
  spec.process.args[0] = "/bin/bash";
  Output output;
  try {
    run_collect(executor, spec, output);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "exec `/bin/bash`: No such file or directory");
  }
  // Nothing of the failed setup stays in the layer.
  EXPECT_TRUE(std::filesystem::is_empty(spec.rootfs.upper_dir));
}

TEST_F(ExecutorRun, CommandNotFoundIsAnError) {
  RunSpec spec = rootfs.spec("unused");
  spec.process.args = {"no-such-tool", "--version"};
  Output output;
  try {
    run_collect(executor, spec, output);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("`no-such-tool`: executable file not found in $PATH"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ExecutorRun, MissingBindSourceIsAnError) {
  RunSpec spec = rootfs.spec("true");
  spec.mounts.push_back(BindMount{.source = "/no/such/dir", .target = "/mnt"});
  Output output;
  try {
    run_collect(executor, spec, output);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "bind mount source `/no/such/dir`: No such file or directory");
  }
  EXPECT_TRUE(std::filesystem::is_empty(spec.rootfs.upper_dir));
}

// The clean-up after a run that failed (here: its output sink threw) can fail as well (here:
// the upper dir is gone, so its mount points cannot be removed). The first error must reach
// the caller; a second exception thrown while unwinding would terminate gantry.
TEST_F(ExecutorRun, AFailingCleanUpDoesNotHideTheFirstError) {
  RunSpec spec = rootfs.spec("echo out; sleep 1");
  TmpfsMount tmpfs;  // its mount point is made for the run, and removed after it
  tmpfs.target = "/made-for-this-run";
  spec.mounts.emplace_back(std::in_place_type<TmpfsMount>, std::move(tmpfs));
  const std::filesystem::path moved = spec.rootfs.upper_dir.string() + ".moved";
  const auto sink = [&](Stream, std::string_view) {
    std::filesystem::rename(spec.rootfs.upper_dir, moved);
    throw std::runtime_error("the sink failed");
  };
  try {
    executor.run(spec, sink);
    FAIL() << "expected the sink's error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "the sink failed");
  }
  std::filesystem::rename(moved, spec.rootfs.upper_dir);
}

}  // namespace
}  // namespace gantry::executor

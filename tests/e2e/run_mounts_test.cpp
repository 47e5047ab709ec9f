// RUN --mount with the real binary: a cache mount keeps its content from one build to the next
// and never enters a layer, is seeded from a stage when it is made (from=, source=), and is
// shared, given a copy per user or locked as its sharing= says across concurrent builds; a
// secret is readable inside RUN (as a file and as an environment variable) and appears nowhere
// else: not in the image, the build graph or the build log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <sstream>
#include <thread>

#include "base/digest.h"
#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

class RunMountTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.import_busybox(); }
  GantryEnv env_;
};

// Writes `dockerfile` into a new context dir under the test's scratch dir.
fs::path context_with(const GantryEnv& env, const std::string& name, const std::string& dockerfile) {
  const fs::path dir = env.scratch() / name;
  fs::create_directories(dir);
  write_file_atomic(dir / "Dockerfile", dockerfile);
  return dir;
}

// The file `name` in the one cache directory of the store that has it.
fs::path cache_file(const GantryEnv& env, const std::string& name) {
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(env.root() / "cache-mounts", ec))
    if (fs::exists(dir.path() / name)) return dir.path() / name;
  return {};
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST_F(RunMountTest, CacheMountKeepsContentAcrossBuildsAndStaysOutOfTheLayer) {
  const fs::path first = env_.scratch() / "first", second = env_.scratch() / "second";
  Outcome a = env_.gantry({"build", "--build-arg", "RUN_ID=first", "-o", "type=local,dest=" + first.string(),
                           testdata("cache-mount").string()});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  Outcome b = env_.gantry({"build", "--build-arg", "RUN_ID=second", "-o", "type=local,dest=" + second.string(),
                           testdata("cache-mount").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;

  EXPECT_EQ(read_file(first / "seen-runs.txt"), "first\n");
  EXPECT_EQ(read_file(second / "seen-runs.txt"), "first\nsecond\n") << "the cache lost the first build's file";
  for (const fs::path& out : {first, second}) {
    EXPECT_FALSE(fs::exists(out / "var/cache/runs/log.txt")) << "the cache's content entered the layer";
  }
}

TEST_F(RunMountTest, SecretIsReadableInRunAndAbsentFromImageGraphAndLog) {
  const std::string value = "s3cr3t-" + sha256_of(env_.scratch().string()).short_hex();
  const fs::path secret_file = env_.scratch() / "api_key";
  write_file_atomic(secret_file, value);
  const std::string secret_flag = "id=api_key,src=" + secret_file.string();

  const fs::path rootfs = env_.scratch() / "rootfs.tar";
  Outcome b = env_.gantry({"build", "--progress=plain", "--secret", secret_flag, "-t", "secret:1", "-o",
                           "type=tar,dest=" + rootfs.string(), testdata("secret-mount").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;

  // read inside RUN: the image holds what the RUNs computed from it
  const fs::path out = env_.scratch() / "out";
  fs::create_directories(out);
  Outcome x = run_command({"tar", "-xf", rootfs.string(), "-C", out.string()});
  ASSERT_EQ(x.exit_code, 0) << x.err;
  const std::string expected_sha = sha256_of(value).hex();
  EXPECT_EQ(trimmed(read_file(out / "secret.sha256")), expected_sha);
  EXPECT_EQ(trimmed(read_file(out / "secret.length")), std::to_string(value.size()));
  EXPECT_EQ(trimmed(read_file(out / "secret-env.sha256")), expected_sha);

  // and nowhere else
  EXPECT_FALSE(fs::exists(out / "run/secrets/api_key"));
  EXPECT_EQ(read_file(rootfs).find(value), std::string::npos) << "the secret is in the image";
  EXPECT_EQ((b.out + b.err).find(value), std::string::npos) << "the secret is in the build log";
  Outcome llb = env_.gantry({"build", "--print=llb", "--secret", secret_flag, testdata("secret-mount").string()});
  ASSERT_EQ(llb.exit_code, 0) << llb.err;
  EXPECT_NE(llb.out.find("api_key"), std::string::npos) << "the graph should name the secret's id";
  EXPECT_EQ(llb.out.find(value), std::string::npos) << "the secret's value is in the build graph";
}

TEST_F(RunMountTest, CacheSeededFromAStageWhenMadeAndAnotherSeedIsAnotherCache) {
  const fs::path context = context_with(env_, "seeded",
      "FROM busybox AS seed\n"
      "ARG SEED=one\n"
      "RUN mkdir -p /data/sub && echo \"$SEED\" > /data/sub/seed.txt && chmod 0710 /data\n"
      "FROM busybox\n"
      "ARG RUN_ID\n"
      "RUN --mount=type=cache,id=c,target=/c,from=seed,source=/data \\\n"
      "    echo \"$RUN_ID\" >> /c/runs && cp -r /c /seen && stat -c %a /c > /mode\n");
  auto build = [&](const std::string& seed, const std::string& run_id) {
    const fs::path out = env_.scratch() / ("out-" + run_id);
    Outcome o = env_.gantry({"build", "--network=none", "--build-arg", "SEED=" + seed, "--build-arg", "RUN_ID=" + run_id,
                             "-o", "type=local,dest=" + out.string(), context.string()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return out;
  };
  const fs::path first = build("one", "first");
  EXPECT_EQ(read_file(first / "seen/sub/seed.txt"), "one\n");
  EXPECT_EQ(read_file(first / "seen/runs"), "first\n");
  EXPECT_EQ(trimmed(read_file(first / "mode")), "710") << "the seed's directory keeps its mode";
  EXPECT_FALSE(fs::exists(first / "c/runs")) << "the cache's content entered the layer";

  // The cache exists now: it is used as it is, not seeded again.
  const fs::path second = build("one", "second");
  EXPECT_EQ(read_file(second / "seen/runs"), "first\nsecond\n");
  EXPECT_EQ(read_file(second / "seen/sub/seed.txt"), "one\n");

  // Another seed is another cache, seeded from it.
  const fs::path third = build("two", "third");
  EXPECT_EQ(read_file(third / "seen/sub/seed.txt"), "two\n");
  EXPECT_EQ(read_file(third / "seen/runs"), "third\n");
}

TEST_F(RunMountTest, CacheSeedErrorsNameTheSource) {
  const fs::path missing = context_with(env_, "missing",
      "FROM busybox AS seed\n"
      "FROM busybox\n"
      "RUN --mount=type=cache,target=/c,from=seed,source=/no/such/dir true\n");
  Outcome o = env_.gantry({"build", "--network=none", missing.string()});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("Dockerfile:3: cache mount `/c`: source `no/such/dir` not found"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists(env_.root() / "cache-mounts") && !fs::is_empty(env_.root() / "cache-mounts"))
      << "a cache that could not be seeded was left behind";

  const fs::path unseeded = context_with(env_, "unseeded",
      "FROM busybox\nRUN --mount=type=cache,target=/c,source=/data true\n");
  o = env_.gantry({"build", "--network=none", unseeded.string()});
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.err.find("cache mount source '/data' needs from="), std::string::npos) << o.err;
}

TEST_F(RunMountTest, RelativeCacheTargetIsInTheWorkingDirectory) {
  const fs::path context = context_with(env_, "relative",
      "FROM busybox\nWORKDIR /app\nARG RUN_ID\n"
      "RUN --mount=type=cache,target=cache echo \"$RUN_ID\" >> /app/cache/runs && cp /app/cache/runs /seen\n");
  for (const std::string run_id : {"one", "two"}) {
    const fs::path out = env_.scratch() / ("out-" + run_id);
    Outcome o = env_.gantry({"build", "--network=none", "--build-arg", "RUN_ID=" + run_id, "-o",
                             "type=local,dest=" + out.string(), context.string()});
    ASSERT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(read_file(out / "seen"), run_id == "one" ? "one\n" : "one\ntwo\n");
    EXPECT_FALSE(fs::exists(out / "app/cache/runs")) << "the cache's content entered the layer";
  }
}

// Two builds at once: each step waits (a minute at most) until the other has come into the
// shared cache too, which only both running together can make happen; meanwhile each writes
// into its private cache, and must find there its own file only.
TEST_F(RunMountTest, ConcurrentStepsShareASharedCacheAndGetAPrivateCacheEach) {
  const fs::path context = context_with(env_, "sharing",
      "FROM busybox\n"
      "ARG NAME\n"
      "RUN --mount=type=cache,id=meet,target=/meet --mount=type=cache,id=own,target=/own,sharing=private \\\n"
      "    echo \"$NAME\" > /own/\"$NAME\" && touch /meet/\"$NAME\" && \\\n"
      "    i=0; while [ \"$(ls /meet | wc -l)\" -lt 2 ]; do i=$((i+1)); [ $i -lt 60 ] || exit 3; sleep 1; done; \\\n"
      "    ls /own > /own-seen && ls /meet > /meet-seen\n");
  auto args = [&](const std::string& name) {
    return std::vector<std::string>{"build", "--network=none", "--build-arg", "NAME=" + name, "-o",
                                    "type=local,dest=" + (env_.scratch() / ("out-" + name)).string(), context.string()};
  };
  const int a = env_.spawn(args("a"));
  const int b = env_.spawn(args("b"));
  ASSERT_EQ(wait_for(a), 0);
  ASSERT_EQ(wait_for(b), 0);
  for (const std::string name : {"a", "b"}) {
    const fs::path out = env_.scratch() / ("out-" + name);
    EXPECT_EQ(read_file(out / "own-seen"), name + "\n") << "a private cache was shared with a concurrent step";
    EXPECT_EQ(read_file(out / "meet-seen"), "a\nb\n");
  }
}

// Two builds at once, each step writing start and end lines to a locked cache: the lines of
// one step never come between those of the other.
TEST_F(RunMountTest, LockedCacheLetsOneStepInAtATimeAcrossConcurrentBuilds) {
  const fs::path context = context_with(env_, "locked",
      "FROM busybox\n"
      "ARG NAME\n"
      "RUN --mount=type=cache,id=serial,target=/l,sharing=locked \\\n"
      "    echo \"start $NAME\" >> /l/log && sleep 2 && echo \"end $NAME\" >> /l/log\n");
  auto args = [&](const std::string& name) {
    return std::vector<std::string>{"build", "--network=none", "--build-arg", "NAME=" + name, context.string()};
  };
  const int a = env_.spawn(args("a"));
  const int b = env_.spawn(args("b"));
  ASSERT_EQ(wait_for(a), 0);
  ASSERT_EQ(wait_for(b), 0);
  const fs::path log = cache_file(env_, "log");
  ASSERT_FALSE(log.empty());
  const auto lines = lines_of(read_file(log));
  ASSERT_EQ(lines.size(), 4u) << read_file(log);
  for (std::size_t i = 0; i < 4; i += 2) {
    ASSERT_TRUE(lines[i].starts_with("start ")) << read_file(log);
    EXPECT_EQ(lines[i + 1], "end " + lines[i].substr(6)) << "steps overlapped:\n" << read_file(log);
  }
  EXPECT_NE(lines[0], lines[2]);
}

// A build killed while its step holds a locked cache lets go of it: the next build gets in.
TEST_F(RunMountTest, LockedCacheIsFreedWhenItsHolderIsKilled) {
  const fs::path context = context_with(env_, "held",
      "FROM busybox\n"
      "ARG NAME\n"
      "RUN --mount=type=cache,id=held,target=/l,sharing=locked \\\n"
      "    echo \"$NAME\" >> /l/log && if [ \"$NAME\" = holder ]; then sleep 120; fi\n");
  const int holder = env_.spawn({"build", "--network=none", "--build-arg", "NAME=holder", context.string()});
  fs::path log;
  for (int i = 0; i < 600 && log.empty(); ++i) {  // the holder is inside its step once it wrote
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    log = cache_file(env_, "log");
  }
  ASSERT_FALSE(log.empty()) << "the holder's step never started";
  ::kill(holder, SIGKILL);
  wait_for(holder);
  Outcome next = env_.gantry({"build", "--network=none", "--build-arg", "NAME=next", context.string()});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(read_file(log), "holder\nnext\n");
}

// A context holding the host's ssh-add and the libraries it loads, runnable in busybox as
// /sshbin/ld.so --library-path /sshbin /sshbin/ssh-add.
fs::path context_with_ssh_add(const GantryEnv& env, const std::string& dockerfile) {
  const fs::path dir = context_with(env, "ssh", dockerfile);
  fs::create_directories(dir / "sshbin");
  Outcome ldd = run_command({"ldd", "/usr/bin/ssh-add"});
  EXPECT_EQ(ldd.exit_code, 0) << ldd.err;
  fs::copy_file("/usr/bin/ssh-add", dir / "sshbin/ssh-add");
  for (const std::string& line : lines_of(ldd.out)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const fs::path lib = line.substr(slash, line.find(' ', slash) - slash);
    const std::string name = lib.filename().string().starts_with("ld-linux") ? "ld.so" : lib.filename().string();
    fs::copy_file(lib, dir / "sshbin" / name, fs::copy_options::overwrite_existing);
  }
  return dir;
}

// --ssh ID=KEY: the key is in an agent the build started, whose socket each ssh mount gets as a
// socket of its own with the mount's mode and owner; the key file itself is nowhere in the step,
// the image or the log.
TEST_F(RunMountTest, SshKeyFileIsLoadedIntoAnAgentWhoseSocketTheMountGets) {
  const std::string key_name = "deploy-key-" + sha256_of(env_.scratch().string()).short_hex();
  const fs::path key = env_.scratch() / key_name;
  Outcome keygen = run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e", "-f", key.string()});
  ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
  Outcome print = run_command({"ssh-keygen", "-l", "-f", key.string()});
  ASSERT_EQ(print.exit_code, 0) << print.err;
  const std::string fingerprint = print.out.substr(print.out.find("SHA256:"), print.out.find(" e2e") - print.out.find("SHA256:"));

  const fs::path context = context_with_ssh_add(env_,
      "FROM busybox\n"
      "COPY sshbin/ /sshbin/\n"
      "RUN --mount=type=ssh /sshbin/ld.so --library-path /sshbin /sshbin/ssh-add -l > /listed && \\\n"
      "    stat -c '%a %u %g %F' \"$SSH_AUTH_SOCK\" > /default-socket && \\\n"
      "    find / -path /proc -prune -o -path /sys -prune -o -name '" + key_name + "*' -print > /key-found\n"
      "RUN --mount=type=ssh,id=deploy,target=/run/deploy.sock,mode=0660,uid=1000,gid=1001,required=true \\\n"
      "    stat -c '%a %u %g' /run/deploy.sock > /deploy-socket && echo \"$SSH_AUTH_SOCK\" > /deploy-env\n");
  const fs::path rootfs = env_.scratch() / "rootfs.tar";
  Outcome b = env_.gantry({"build", "--progress=plain", "--network=none", "--ssh", "default=" + key.string(), "--ssh",
                           "deploy=" + key.string() + "," + key.string(), "-o", "type=tar,dest=" + rootfs.string(),
                           context.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const fs::path out = env_.scratch() / "out";
  fs::create_directories(out);
  ASSERT_EQ(run_command({"tar", "-xf", rootfs.string(), "-C", out.string()}).exit_code, 0);

  EXPECT_NE(read_file(out / "listed").find(fingerprint), std::string::npos) << read_file(out / "listed");
  EXPECT_EQ(trimmed(read_file(out / "default-socket")), "600 0 0 socket");
  EXPECT_EQ(trimmed(read_file(out / "deploy-socket")), "660 1000 1001");
  EXPECT_EQ(trimmed(read_file(out / "deploy-env")), "/run/deploy.sock");
  EXPECT_EQ(read_file(out / "key-found"), "") << "the key file is in the step";
  const std::string private_key = read_file(key);
  const std::string key_body = lines_of(private_key).at(1);  // a line of the key's base64
  EXPECT_EQ(read_file(rootfs).find(key_body), std::string::npos) << "the key is in the image";
  EXPECT_EQ((b.out + b.err).find(key_body), std::string::npos) << "the key is in the build log";
}

TEST_F(RunMountTest, RequiredSshMountWithoutAnAgentFailsAndAnOptionalOneIsLeftOut) {
  const fs::path context = context_with(env_, "required",
      "FROM busybox\n"
      "RUN --mount=type=ssh test ! -e /run/buildkit/ssh_agent.0 && echo optional-left-out\n"
      "RUN --mount=type=ssh,id=deploy,required=true true\n");
  Outcome b = env_.gantry({"build", "--progress=plain", "--network=none", context.string()});
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("optional-left-out"), std::string::npos) << b.err;
  EXPECT_NE(b.err.find("Dockerfile:3: ssh agent `deploy` is required but was not given"), std::string::npos) << b.err;

  const fs::path key = env_.scratch() / "passphrase-key";
  ASSERT_EQ(run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "secret words", "-f", key.string()}).exit_code, 0);
  b = env_.gantry({"build", "--network=none", "--ssh", "deploy=" + key.string(), context.string()});
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("--ssh deploy: key `" + key.string() + "` could not be loaded"), std::string::npos) << b.err;
}

// --ssh ID=SOCKET: the user's agent is reached through the mount's own socket, read-only: a
// step lists its keys but cannot remove them. And --ssh values that are no socket or key, or
// mix the two, are refused by name.
TEST_F(RunMountTest, SshAgentSocketIsForwardedReadOnlyAndBadValuesAreRefused) {
  const fs::path key = env_.scratch() / "user-key";
  ASSERT_EQ(run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "user", "-f", key.string()}).exit_code, 0);
  const fs::path socket = env_.scratch() / "user-agent.sock";
  Outcome agent = run_command({"ssh-agent", "-a", socket.string()});
  ASSERT_EQ(agent.exit_code, 0) << agent.err;
  const auto pid_at = agent.out.find("SSH_AGENT_PID=");
  ASSERT_NE(pid_at, std::string::npos) << agent.out;
  const std::string agent_pid = agent.out.substr(pid_at + 14, agent.out.find(';', pid_at) - pid_at - 14);
  struct AgentKiller {
    std::string pid;
    ~AgentKiller() { run_command({"ssh-agent", "-k"}, {{"SSH_AGENT_PID", pid}}); }
  } killer{agent_pid};
  ASSERT_EQ(run_command({"ssh-add", "-q", key.string()}, {{"SSH_AUTH_SOCK", socket.string()}}).exit_code, 0);

  const fs::path context = context_with_ssh_add(env_,
      "FROM busybox\n"
      "COPY sshbin/ /sshbin/\n"
      "RUN --mount=type=ssh,id=user export LD_LIBRARY_PATH=/sshbin; \\\n"
      "    /sshbin/ld.so /sshbin/ssh-add -l > /listed; \\\n"
      "    if /sshbin/ld.so /sshbin/ssh-add -D; then echo removed > /removal; else echo refused > /removal; fi\n");
  const fs::path out = env_.scratch() / "out";
  Outcome b = env_.gantry({"build", "--network=none", "--ssh", "user=" + socket.string(), "-o",
                           "type=local,dest=" + out.string(), context.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(read_file(out / "listed").find("(ED25519)"), std::string::npos) << read_file(out / "listed");
  EXPECT_EQ(trimmed(read_file(out / "removal")), "refused");
  Outcome still = run_command({"ssh-add", "-l"}, {{"SSH_AUTH_SOCK", socket.string()}});
  EXPECT_EQ(still.exit_code, 0) << "a step removed the user's keys: " << still.out << still.err;
  struct stat st {};
  ASSERT_EQ(::stat(socket.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the user's socket was changed";

  Outcome mixed = env_.gantry({"build", "--ssh", "user=" + socket.string() + "," + key.string(), context.string()});
  EXPECT_EQ(mixed.exit_code, 125);
  EXPECT_NE(mixed.err.find("an agent's socket and key files cannot be given together"), std::string::npos) << mixed.err;
  Outcome missing = env_.gantry({"build", "--ssh", "user=" + (env_.scratch() / "nope").string(), context.string()});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("`" + (env_.scratch() / "nope").string() + "` not found"), std::string::npos) << missing.err;
}

}  // namespace gantry::e2e

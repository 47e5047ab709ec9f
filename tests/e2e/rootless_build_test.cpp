// Builds and runs as a normal user (issue 18): gantry enters a user namespace of its own, maps
// the user's subordinate ids when /etc/subuid has a range, and its images are the very ones
// root's gantry builds.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/local_registry.h"
#include "tests/e2e/user_gantry_env.h"

namespace gantry::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kManyOwners =
    "FROM busybox:latest\n"
    "RUN mkdir -p /srv/a /srv/b /srv/nobody && chown 1000:1000 /srv/a && chown 33:44 /srv/b \\\n"
    " && chown 65534:65534 /srv/nobody && mkdir -m 2775 /srv/sg && echo hi > /srv/sg/f\n"
    "COPY --chown=7:8 Dockerfile /srv/copied\n";

// A context dir `name` in the user's scratch holding `dockerfile`, readable by the user.
fs::path user_context(const UserGantryEnv& user, const std::string& name,
                      const std::string& dockerfile) {
  const fs::path dir = user.scratch() / name;
  fs::create_directories(dir);
  write_file_atomic(dir / "Dockerfile", dockerfile);
  fs::permissions(dir, static_cast<fs::perms>(0755));
  fs::permissions(dir / "Dockerfile", static_cast<fs::perms>(0644));
  return dir;
}

void import_busybox_as(const UserGantryEnv& user, const fs::path& tar = busybox_rootfs_tar()) {
  const Outcome o =
      user.gantry({"import", tar.string(), "busybox:latest"}, {{"SOURCE_DATE_EPOCH", "0"}});
  ASSERT_EQ(o.exit_code, 0) << o.err;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(RootlessBuild, BusyboxAppBuildsAndRunsAsItsUser) {
  UserGantryEnv user(kUserWithSubids);
  import_busybox_as(user);
  const Outcome built = user.gantry({"build", "-t", "app", testdata("busybox-app").string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  // No warning: the user has a range in /etc/subuid.
  EXPECT_EQ(built.err.find("only uid 0 is mapped"), std::string::npos) << built.err;
  const Outcome ran = user.gantry({"run", "--rm", "app"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(ran.out, "app says: hello from the app as user in /app\n");
  // A user namespace makes no device nodes: the host's are bound in, the default set or (with
  // --privileged) every one.
  const std::vector<std::string> devices = {"sh", "-c", "test -c /dev/null && ls /dev | wc -l"};
  std::vector<std::string> plain = {"run", "--rm", "--entrypoint", "", "app"};
  plain.insert(plain.end(), devices.begin(), devices.end());
  const Outcome default_set = user.gantry(plain);
  ASSERT_EQ(default_set.exit_code, 0) << default_set.err;
  plain.insert(plain.begin() + 2, "--privileged");
  const Outcome every = user.gantry(plain);
  ASSERT_EQ(every.exit_code, 0) << every.err;
  EXPECT_LT(std::stoi(default_set.out), std::stoi(every.out));
}

TEST(RootlessBuild, FilesKeepTheirOwnersAndTheSetgidBit) {
  UserGantryEnv user(kUserWithSubids);
  import_busybox_as(user);
  const Outcome built =
      user.gantry({"build", "-t", "owners", user_context(user, "owners", kManyOwners).string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const Outcome ran =
      user.gantry({"run", "--rm", "owners", "stat", "-c", "%n %u:%g %a", "/srv/a", "/srv/b",
                   "/srv/nobody", "/srv/sg", "/srv/sg/f", "/srv/copied", "/home/user"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(
      ran.out,
      "/srv/a 1000:1000 755\n/srv/b 33:44 755\n/srv/nobody 65534:65534 755\n/srv/sg 0:0 2775\n"
      "/srv/sg/f 0:0 644\n/srv/copied 7:8 644\n/home/user 1000:1000 755\n");
}

TEST(RootlessBuild, CacheSecretAndTmpfsMountsWork) {
  UserGantryEnv user(kUserWithSubids);
  import_busybox_as(user);
  const fs::path context = user_context(
      user, "mounts",
      "FROM busybox:latest\n"
      "ARG RUN_ID=first\n"
      "RUN --mount=type=cache,id=runs,target=/var/cache/runs,uid=1000 \\\n"
      "    echo \"$RUN_ID\" >> /var/cache/runs/log && cp /var/cache/runs/log /seen \\\n"
      " && stat -c %u /var/cache/runs > /cache-owner\n"
      "RUN --mount=type=tmpfs,target=/scratch echo gone > /scratch/f && cat /scratch/f > "
      "/tmpfs-said\n"
      "RUN --mount=type=secret,id=token,uid=1000 stat -c '%u %s' /run/secrets/token > "
      "/secret-seen\n");
  const fs::path secret = user.scratch() / "token";
  write_file_atomic(secret, "s3cret");
  ASSERT_EQ(::chown(secret.c_str(), 0, 0), 0);
  fs::permissions(secret, static_cast<fs::perms>(0644));
  const std::string secret_flag = "id=token,src=" + secret.string();
  const Outcome first = user.gantry({"build", "-t", "m1", "--secret", secret_flag, "--build-arg",
                                     "RUN_ID=one", context.string()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const Outcome second = user.gantry({"build", "-t", "m2", "--secret", secret_flag, "--build-arg",
                                      "RUN_ID=two", context.string()});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const Outcome ran = user.gantry(
      {"run", "--rm", "m2", "sh", "-c",
       "cat /seen /cache-owner /tmpfs-said /secret-seen; ls /scratch /run/secrets | wc -l"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(ran.out, "one\ntwo\n1000\ngone\n1000 6\n0\n");
}

TEST(RootlessBuild, TheImageDigestIsRootsOne) {
  UserGantryEnv user(kUserWithSubids);
  import_busybox_as(user);
  GantryEnv root;
  root.import_busybox();
  const fs::path context = user_context(user, "same", kManyOwners);
  const std::map<std::string, std::string> epoch{{"SOURCE_DATE_EPOCH", "1700000000"}};
  const Outcome as_user = user.gantry({"build", "-q", "-t", "same", context.string()}, epoch);
  ASSERT_EQ(as_user.exit_code, 0) << as_user.err;
  const Outcome as_root = root.gantry({"build", "-q", "-t", "same", context.string()}, epoch);
  ASSERT_EQ(as_root.exit_code, 0) << as_root.err;
  EXPECT_EQ(as_user.out, as_root.out);
  const std::vector<std::string> manifest = {"inspect", "-f", "{{.Descriptor.digest}}", "same"};
  const Outcome user_manifest = user.gantry(manifest);
  ASSERT_EQ(user_manifest.exit_code, 0) << user_manifest.err;
  EXPECT_EQ(user_manifest.out, root.gantry(manifest).out);
}

// The Debian toolchain image has files of many owners (apt's, man's, ...): it unpacks into the
// user's subordinate ids, and its compilers run there.
TEST(RootlessBuild, GoAndCppMultiStageBuildsFromTheDebianToolchain) {
  const char* fixtures = std::getenv("GANTRY_FIXTURES");
  const fs::path toolchain =
      fs::path(fixtures ? fixtures : "/var/tmp/gantry-fixtures") / "debian-toolchain-v2.tar";
  if (!fs::exists(toolchain))
    GTEST_SKIP() << toolchain << " is missing: scripts/test-fixtures.sh makes it";
  UserGantryEnv user(kUserWithSubids);
  import_busybox_as(user);
  const Outcome imported = user.gantry({"import", toolchain.string(), "debian-toolchain:latest"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  for (const auto& [dir, says] :
       {std::pair{"cpp-multistage", "c++ says: sum of squares 1..10 = 385\n"},
        std::pair{"go-multistage", "go says: first 10 primes: 2 3 5 7 11 13 17 19 23 29\n"}}) {
    const Outcome built = user.gantry({"build", "-t", dir, testdata(dir).string()});
    ASSERT_EQ(built.exit_code, 0) << dir << ": " << built.err;
    const Outcome ran = user.gantry({"run", "--rm", dir});
    ASSERT_EQ(ran.exit_code, 0) << dir << ": " << ran.err;
    EXPECT_EQ(ran.out, says);
  }
}

TEST(RootlessBuild, PushAndPullThroughALocalRegistry) {
  if (!LocalRegistry::available())
    GTEST_SKIP() << "no /usr/bin/docker-registry (Debian package docker-registry)";
  UserGantryEnv user(kUserWithSubids);
  LocalRegistry registry(LocalRegistry::Mode::Plain, user.scratch() / "registry");
  import_busybox_as(user);
  const std::string name = registry.host() + "/team/owners:1";
  const Outcome built =
      user.gantry({"build", "-t", name, user_context(user, "owners", kManyOwners).string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const Outcome pushed = user.gantry({"push", name});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;

  // Another user's store (root's here) pulls what the rootless one pushed, owners and all, and
  // a fresh rootless store pulls it back.
  GantryEnv root;
  const Outcome root_pull = root.gantry({"pull", name});
  ASSERT_EQ(root_pull.exit_code, 0) << root_pull.err;
  const std::vector<std::string> owners = {"run", "--rm",     name,     "stat",
                                           "-c",  "%u:%g %a", "/srv/b", "/srv/sg"};
  const Outcome as_root = root.gantry(owners);
  ASSERT_EQ(as_root.exit_code, 0) << as_root.err;
  EXPECT_EQ(as_root.out, "33:44 755\n0:0 2775\n");
  UserGantryEnv again(kUserWithSubids);
  const Outcome pulled = again.gantry({"pull", name});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  const Outcome as_user = again.gantry(owners);
  ASSERT_EQ(as_user.exit_code, 0) << as_user.err;
  EXPECT_EQ(as_user.out, as_root.out);
}

// busybox's rootfs but for /home/user (uid 1000): an image a single-uid namespace can hold.
fs::path root_owned_busybox(const UserGantryEnv& user) {
  const fs::path tar = user.scratch() / "busybox-root-owned.tar";
  fs::copy_file(busybox_rootfs_tar(), tar);
  const Outcome deleted = run_command({"tar", "--delete", "-f", tar.string(), "./home/user"});
  if (deleted.exit_code != 0) throw std::runtime_error("tar --delete: " + deleted.err);
  fs::permissions(tar, fs::perms::others_read, fs::perm_options::add);
  return tar;
}

TEST(RootlessBuild, WithoutSubidsOnlyRootOwnedFilesCanBeMade) {
  UserGantryEnv user(kUserWithoutSubids);
  // The full busybox has a file of uid 1000: its import fails, naming it.
  const Outcome full = user.gantry({"import", busybox_rootfs_tar().string(), "busybox:latest"});
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_NE(
      full.err.find(
          "chown `home/user` to 1000:1000: uid 1000 is not mapped in gantry's user namespace"),
      std::string::npos)
      << full.err;

  import_busybox_as(user, root_owned_busybox(user));
  const fs::path single = user_context(user, "single",
                                       "FROM busybox:latest\nRUN echo hi > /hello && mkdir /data\n"
                                       "COPY Dockerfile /df\n");
  const Outcome built = user.gantry({"build", "-t", "single", single.string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_EQ(count_of(built.err, "only uid 0 is mapped"), 1u) << built.err;
  const Outcome ran = user.gantry({"run", "--rm", "single", "cat", "/hello"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(ran.out, "hi\n");

  const Outcome many = user.gantry({"build", user_context(user, "many", kManyOwners).string()});
  EXPECT_EQ(many.exit_code, 1);
  EXPECT_EQ(
      count_of(many.err,
               "gantry: `gantry-nosub` has no range in `/etc/subuid` and `/etc/subgid`: only uid 0 "
               "is mapped, so files owned by other uids cannot be created\n"),
      1u)
      << many.err;
  EXPECT_NE(many.err.find("chown: /srv/a: Invalid argument"), std::string::npos) << many.err;

  const Outcome copied = user.gantry(
      {"build",
       user_context(user, "copied", "FROM busybox:latest\nCOPY --chown=1000:1000 Dockerfile /df\n")
           .string()});
  EXPECT_EQ(copied.exit_code, 1);
  EXPECT_NE(copied.err.find("to 1000:1000: uid 1000 is not mapped in gantry's user namespace"),
            std::string::npos)
      << copied.err;
}

}  // namespace
}  // namespace gantry::e2e

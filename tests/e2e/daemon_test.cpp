// `gantry daemon` end to end with the real docker clients, unmodified: docker 20.10 (Debian's
// docker.io, /usr/bin/docker) and 28.x (/usr/local/bin/docker) with DOCKER_BUILDKIT=0, the
// classic builder's API path. Each test starts a daemon on a socket of its own, on a fresh
// store holding the busybox image.
#include <dirent.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "base/file_util.h"
#include "base/quantities.h"
#include "base/unique_fd.h"
#include "tests/e2e/gantry_daemon.h"
#include "tests/e2e/local_registry.h"

namespace gantry::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Whether a process runs whose command line is exactly `argv` (a RUN step's, in its sandbox).
bool process_running(const std::vector<std::string>& argv) {
  std::string wanted;
  for (const auto& a : argv) wanted += a + '\0';
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  while (dirent* e = ::readdir(proc.get())) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline", std::ios::binary);
    std::stringstream cmdline;
    cmdline << in.rdbuf();
    if (cmdline.str() == wanted) return true;
  }
  return false;
}

class DaemonWithDockerClient : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!fs::exists(GetParam())) GTEST_SKIP() << GetParam() << " is not installed";
    env_.import_busybox();
    daemon_.emplace(env_);
  }
  Outcome docker(std::vector<std::string> args) {
    args.insert(args.begin(), GetParam());
    return run_command(args, docker_env(env_, *daemon_));
  }
  std::string log() const { return daemon_->log(); }

  GantryEnv env_;
  std::optional<GantryDaemon> daemon_;
};

TEST_P(DaemonWithDockerClient, VersionNegotiatesTheDaemonsApi) {
  const auto o = docker(
      {"version", "--format", "{{.Server.Platform.Name}} {{.Server.APIVersion}} {{.Server.Os}}"});
  ASSERT_EQ(o.exit_code, 0) << o.err << log();
  EXPECT_EQ(o.out, "gantry 1.41 linux\n");
}

TEST_P(DaemonWithDockerClient, BuildImagesInspectHistoryTagAndRmi) {
  const fs::path ctx = env_.scratch() / "ctx";
  write_context(
      ctx, "FROM busybox\nRUN echo built-through-the-daemon > /proof\nCMD [\"cat\", \"/proof\"]\n");
  const auto build = docker({"build", "-t", "app", ctx.string()});
  ASSERT_EQ(build.exit_code, 0) << build.out << build.err << log();
  // Steps are numbered as BuildKit numbers them: those that make a layer (CMD makes none).
  EXPECT_NE(build.out.find("Step 2/2 : RUN echo built-through-the-daemon > /proof\n"),
            std::string::npos)
      << build.out;
  EXPECT_NE(build.out.find("Successfully tagged app:latest\n"), std::string::npos) << build.out;

  // The image is in the store gantry's own commands read, and holds what the RUN made.
  const auto run = env_.gantry({"run", "--rm", "app"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "built-through-the-daemon\n");

  const auto id = docker({"image", "inspect", "--format", "{{.Id}}", "app"});
  ASSERT_EQ(id.exit_code, 0) << id.err;
  EXPECT_EQ(id.out, env_.gantry({"inspect", "--format", "{{.Id}}", "app"}).out);
  EXPECT_NE(build.out.find("Successfully built " + id.out.substr(7, 12) + "\n"), std::string::npos)
      << build.out;

  const auto images = docker({"images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  EXPECT_NE(images.out.find("app:latest " + id.out.substr(7, 12) + "\n"), std::string::npos)
      << images.out;
  EXPECT_NE(images.out.find("busybox:latest "), std::string::npos) << images.out;

  const auto history = docker({"history", "--no-trunc", "--format", "{{.CreatedBy}}", "app"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_NE(history.out.find("echo built-through-the-daemon > /proof"), std::string::npos)
      << history.out;

  ASSERT_EQ(docker({"tag", "app", "app:v2"}).exit_code, 0);
  const auto gantry_images = [this] {
    return env_.gantry({"images", "--format", "{{.Repository}}:{{.Tag}}"}).out;
  };
  EXPECT_NE(gantry_images().find("app:v2\n"), std::string::npos);

  const auto rmi = docker({"rmi", "app:v2"});
  ASSERT_EQ(rmi.exit_code, 0) << rmi.err;
  EXPECT_NE(rmi.out.find("Untagged: app:v2"), std::string::npos) << rmi.out;
  EXPECT_EQ(gantry_images().find("app:v2\n"), std::string::npos);
  EXPECT_NE(gantry_images().find("app:latest\n"), std::string::npos);

  const auto missing = docker({"rmi", "no-such-image"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("No such image: no-such-image"), std::string::npos) << missing.err;
}

TEST_P(DaemonWithDockerClient, AFailingRunExitsOneWithItsOutput) {
  const fs::path ctx = env_.scratch() / "ctx";
  write_context(ctx, "FROM busybox\nRUN echo visible-output && exit 3\n");
  const auto build = docker({"build", "-t", "broken", ctx.string()});
  EXPECT_EQ(build.exit_code, 1) << build.out << build.err;
  EXPECT_NE(build.out.find("visible-output\n"), std::string::npos) << build.out;
  EXPECT_NE(build.err.find("exit code: 3"), std::string::npos) << build.err;
  EXPECT_EQ(env_.gantry({"images", "--format", "{{.Repository}}"}).out.find("broken"),
            std::string::npos);
}

TEST_P(DaemonWithDockerClient, AParameterGantryDoesNotImplementIsRefusedByName) {
  const fs::path ctx = env_.scratch() / "ctx";
  write_context(ctx, "FROM busybox\n");
  const auto build = docker({"build", "--memory", "64m", ctx.string()});
  EXPECT_EQ(build.exit_code, 1);
  EXPECT_NE(build.err.find("build parameter `memory=67108864`: gantry does not implement it"),
            std::string::npos)
      << build.err;
}

TEST_P(DaemonWithDockerClient, ContainerEndpointsSayGantryIsABuildEngine) {
  const auto ps = docker({"ps"});
  EXPECT_NE(ps.exit_code, 0);
  EXPECT_NE(ps.err.find("gantry is a build engine: GET /containers/json is not supported"),
            std::string::npos)
      << ps.err;
}

TEST_P(DaemonWithDockerClient, SaveWritesAnArchiveAnotherStoreLoadsWithTheSameId) {
  ASSERT_EQ(docker({"tag", "busybox", "app:v1"}).exit_code, 0);
  const fs::path archive = env_.scratch() / "saved.tar";
  const auto save = docker({"save", "-o", archive.string(), "app:v1"});
  ASSERT_EQ(save.exit_code, 0) << save.err << log();

  GantryEnv other;
  const auto load = other.gantry({"load", "-i", archive.string()});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(load.out, "Loaded image: app:v1\n");
  EXPECT_EQ(other.gantry({"inspect", "--format", "{{.Id}}", "app:v1"}).out,
            env_.gantry({"inspect", "--format", "{{.Id}}", "busybox"}).out);

  // Several names in one archive, through GET /images/get?names=...&names=...
  const fs::path both = env_.scratch() / "both.tar";
  const auto save_both = docker({"save", "-o", both.string(), "app:v1", "busybox"});
  ASSERT_EQ(save_both.exit_code, 0) << save_both.err << log();
  GantryEnv third;
  const auto load_both = third.gantry({"load", "-i", both.string()});
  ASSERT_EQ(load_both.exit_code, 0) << load_both.err;
  EXPECT_NE(load_both.out.find("Loaded image: app:v1\n"), std::string::npos) << load_both.out;
  EXPECT_NE(load_both.out.find("Loaded image: busybox:latest\n"), std::string::npos)
      << load_both.out;

  const auto missing = docker({"save", "-o", (env_.scratch() / "none.tar").string(), "nope"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("No such image: nope"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists(env_.scratch() / "none.tar"));
}

TEST_P(DaemonWithDockerClient, LoadTakesAnArchiveKeepingItsNamesAndId) {
  GantryEnv source;
  source.import_busybox();
  ASSERT_EQ(source.gantry({"tag", "busybox", "loaded:v1"}).exit_code, 0);
  const fs::path archive = env_.scratch() / "loaded.tar";
  ASSERT_EQ(source.gantry({"save", "-o", archive.string(), "loaded:v1"}).exit_code, 0);

  const auto load = docker({"load", "-i", archive.string()});
  ASSERT_EQ(load.exit_code, 0) << load.err << log();
  EXPECT_EQ(load.out, "Loaded image: loaded:v1\n");
  const auto id = docker({"image", "inspect", "--format", "{{.Id}}", "loaded:v1"});
  ASSERT_EQ(id.exit_code, 0) << id.err;
  EXPECT_EQ(id.out, source.gantry({"inspect", "--format", "{{.Id}}", "loaded:v1"}).out);

  // An OCI archive of an image without a name is loaded untagged, by its id.
  const fs::path oci = env_.scratch() / "unnamed.tar";
  const std::string busybox_id = source.gantry({"inspect", "--format", "{{.Id}}", "busybox"}).out;
  ASSERT_EQ(source.gantry({"save", "--format", "oci", "-o", oci.string(), busybox_id.substr(0, 19)})
                .exit_code,
            0);
  GantryEnv empty;
  GantryDaemon other(empty);
  auto env = docker_env(empty, other);
  const auto load_oci = run_command({GetParam(), "load", "-i", oci.string()}, env);
  ASSERT_EQ(load_oci.exit_code, 0) << load_oci.err << other.log();
  EXPECT_EQ(load_oci.out, "Loaded image ID: " + busybox_id);

  // Not an archive: a one-line error naming the request body, and nothing loaded.
  const fs::path junk = env_.scratch() / "junk.tar";
  std::ofstream(junk) << "not a tar archive";
  const auto bad = run_command({GetParam(), "load", "-i", junk.string()}, env);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("image archive (the request body)"), std::string::npos) << bad.err;
  EXPECT_EQ(empty.gantry({"images", "-q"}).out, busybox_id.substr(7, 12) + "\n");
}

TEST_P(DaemonWithDockerClient, SystemDfAndBuilderPrune) {
  const fs::path ctx = env_.scratch() / "ctx";
  write_context(ctx, "FROM busybox\nRUN echo cached > /proof\n");
  const auto build = docker({"build", "-q", "-t", "app", ctx.string()});
  ASSERT_EQ(build.exit_code, 0) << build.err << log();
  ASSERT_NE(env_.gantry({"du"}).out.find("(1 records)"), std::string::npos);

  const auto df = docker({"system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Size}}"});
  ASSERT_EQ(df.exit_code, 0) << df.err << log();
  EXPECT_TRUE(df.out.starts_with("Images 2 ")) << df.out;
  EXPECT_NE(df.out.find("Containers 0 0B\n"), std::string::npos) << df.out;
  // The RUN's snapshot is app's layer: listed, shared with the image, so no build cache bytes.
  EXPECT_NE(df.out.find("Build Cache 1 0B\n"), std::string::npos) << df.out;

  const auto prune = docker({"builder", "prune", "-f"});
  ASSERT_EQ(prune.exit_code, 0) << prune.err << log();
  EXPECT_NE(prune.out.find("Total reclaimed space: "), std::string::npos) << prune.out;
  EXPECT_NE(env_.gantry({"du"}).out.find("(0 records)"), std::string::npos);
  EXPECT_EQ(env_.gantry({"run", "--rm", "app", "cat", "/proof"}).out, "cached\n");

  const auto refused = docker({"builder", "prune", "-f", "--filter", "type=regular"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("build prune filter `type`: gantry implements only `until`"),
            std::string::npos)
      << refused.err;
}

TEST_P(DaemonWithDockerClient, SystemDfListsTheBuildCacheAsGantryDuMeasuresIt) {
  const fs::path ctx = env_.scratch() / "ctx";
  // The first stage's RUN is build cache only: the image takes a file from it, not its layer.
  write_context(ctx,
                "FROM busybox AS scratchpad\nRUN echo intermediate > /made && echo more > /more\n"
                "FROM busybox\nCOPY --from=scratchpad /made /made\n");
  ASSERT_EQ(docker({"build", "-q", "-t", "app", ctx.string()}).exit_code, 0) << log();

  const auto raw = run_command(
      {"curl", "-sS", "--unix-socket", daemon_->socket().string(), "http://gantry/v1.41/system/df"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  const auto body = nlohmann::json::parse(raw.out);
  std::int64_t own = 0;
  std::string run_entry;
  for (const auto& entry : body["BuildCache"]) {
    EXPECT_EQ(entry["Type"], "regular") << entry.dump();
    EXPECT_EQ(entry["InUse"], false) << entry.dump();
    EXPECT_EQ(entry["UsageCount"], 1) << entry.dump();
    EXPECT_TRUE(entry["CreatedAt"].get<std::string>().ends_with("Z")) << entry.dump();
    if (entry["Shared"] == false) {
      own += entry["Size"].get<std::int64_t>();
      run_entry = entry["ID"];
    }
  }
  ASSERT_FALSE(run_entry.empty()) << body.dump();
  EXPECT_GT(own, 0);
  EXPECT_EQ(body["BuilderSize"], own);
  // `gantry du` measures the same build cache.
  const auto du = env_.gantry({"du"});
  EXPECT_NE(du.out.find(human_size(own) + "  ("), std::string::npos) << du.out << body.dump();

  const auto table = docker({"system", "df", "-v"});
  ASSERT_EQ(table.exit_code, 0) << table.err << log();
  const auto row = table.out.find(run_entry.substr(0, 12));
  ASSERT_NE(row, std::string::npos) << table.out;
  const std::string line = table.out.substr(row, table.out.find('\n', row) - row);
  EXPECT_NE(line.find("regular"), std::string::npos) << line;
  EXPECT_TRUE(line.ends_with("false")) << line;

  // Built again: the last step's record is found in the cache, and that use counted.
  ASSERT_EQ(docker({"build", "-q", "-t", "app", ctx.string()}).exit_code, 0) << log();
  const auto again = nlohmann::json::parse(
      run_command({"curl", "-sS", "--unix-socket", daemon_->socket().string(),
                   "http://gantry/v1.41/system/df"})
          .out);
  std::multiset<int> counts;
  for (const auto& entry : again["BuildCache"]) counts.insert(entry["UsageCount"].get<int>());
  EXPECT_EQ(counts, (std::multiset<int>{1, 2})) << again.dump();  // the RUN's, the COPY's
}

TEST_P(DaemonWithDockerClient, LoginPushAndPullThroughARegistryWithBasicAuth) {
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  LocalRegistry registry(LocalRegistry::Mode::Basic, env_.scratch() / "registry");
  const std::string host = registry.host();
  const fs::path wrong = env_.scratch() / "wrong-password";
  std::ofstream(wrong) << "not-the-password\n";
  const fs::path right = env_.scratch() / "password";
  std::ofstream(right) << LocalRegistry::password() << "\n";
  const auto env = docker_env(env_, *daemon_);
  auto login = [&](const fs::path& password) {
    return run_command({GetParam(), "login", "-u", LocalRegistry::user(), "--password-stdin", host},
                       env, password);
  };

  // The daemon asks the registry, as dockerd does; the client keeps nothing of a refused login.
  const auto refused = login(wrong);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("login attempt to http://" + host +
                             "/v2/ failed with status: 401 Unauthorized"),
            std::string::npos)
      << refused.err << log();
  const auto logged_in = login(right);
  ASSERT_EQ(logged_in.exit_code, 0) << logged_in.err << log();
  EXPECT_NE(logged_in.out.find("Login Succeeded"), std::string::npos) << logged_in.out;
  // The docker CLI stored the credentials itself, in the test's own config dir.
  EXPECT_NE(read_file(env_.scratch() / "docker-config" / "config.json").find(host),
            std::string::npos);

  const std::string image = host + "/team/app:v1";
  ASSERT_EQ(docker({"tag", "busybox", image}).exit_code, 0);
  const auto push = docker({"push", image});
  ASSERT_EQ(push.exit_code, 0) << push.out << push.err << log();
  EXPECT_NE(push.out.find("The push refers to repository [" + host + "/team/app]"),
            std::string::npos)
      << push.out;
  EXPECT_NE(push.out.find(": Pushed"), std::string::npos) << push.out;
  const auto digest_at = push.out.find("v1: digest: sha256:");
  ASSERT_NE(digest_at, std::string::npos) << push.out;
  const std::string digest = push.out.substr(digest_at + 12, 71);
  // The registry has what the push said, under that digest.
  const auto manifest = run_command({"curl", "-s", "-u",
                                     LocalRegistry::user() + ":" + LocalRegistry::password(), "-H",
                                     "Accept: application/vnd.oci.image.manifest.v1+json, "
                                     "application/vnd.docker.distribution.manifest.v2+json",
                                     "-o", "/dev/null", "-w", "%{http_code}",
                                     "http://" + host + "/v2/team/app/manifests/" + digest});
  EXPECT_EQ(manifest.out, "200") << digest;

  // A daemon on another, empty store pulls it with the same client credentials.
  GantryEnv empty;
  GantryDaemon other(empty);
  auto other_env = env;
  other_env["DOCKER_HOST"] = "unix://" + other.socket().string();
  const auto pull = run_command({GetParam(), "pull", image}, other_env);
  ASSERT_EQ(pull.exit_code, 0) << pull.out << pull.err << other.log();
  EXPECT_NE(pull.out.find("v1: Pulling from team/app"), std::string::npos) << pull.out;
  EXPECT_NE(pull.out.find(": Pull complete"), std::string::npos) << pull.out;
  EXPECT_NE(pull.out.find("Digest: " + digest), std::string::npos) << pull.out;
  EXPECT_NE(pull.out.find("Status: Downloaded newer image for " + image), std::string::npos)
      << pull.out;
  const auto id =
      run_command({GetParam(), "image", "inspect", "--format", "{{.Id}}", image}, other_env);
  ASSERT_EQ(id.exit_code, 0) << id.err;
  EXPECT_EQ(id.out, env_.gantry({"inspect", "--format", "{{.Id}}", "busybox"}).out);
  const auto again = run_command({GetParam(), "pull", image}, other_env);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Status: Image is up to date for " + image), std::string::npos)
      << again.out;

  // Without the credentials the registry refuses the pull, and the daemon says so.
  auto logged_out = other_env;
  logged_out["DOCKER_CONFIG"] = (empty.scratch() / "no-docker-config").string();
  const auto anonymous = run_command({GetParam(), "pull", host + "/team/app:v1"}, logged_out);
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_NE(anonymous.err.find("401"), std::string::npos) << anonymous.err;
}

TEST_P(DaemonWithDockerClient, ImagePruneRemovesDanglingImagesAndWithAllEveryImage) {
  const std::string old_id = env_.gantry({"inspect", "--format", "{{.Id}}", "busybox"}).out;
  // Another image takes the name: the first one is left dangling.
  ASSERT_EQ(
      env_.gantry({"import", "--change", "ENV SECOND=1", busybox_rootfs_tar().string(), "busybox"})
          .exit_code,
      0);
  const auto dangling = docker({"images", "--filter", "dangling=true", "-q", "--no-trunc"});
  ASSERT_EQ(dangling.out, old_id) << dangling.err;

  const auto prune = docker({"image", "prune", "-f"});
  ASSERT_EQ(prune.exit_code, 0) << prune.err << log();
  EXPECT_NE(prune.out.find("deleted: " + old_id), std::string::npos) << prune.out;
  EXPECT_NE(prune.out.find("Total reclaimed space: "), std::string::npos) << prune.out;
  EXPECT_EQ(docker({"images", "--filter", "dangling=true", "-q"}).out, "");
  EXPECT_NE(env_.gantry({"images", "--format", "{{.Repository}}"}).out.find("busybox"),
            std::string::npos);

  // A label the image lacks keeps it; -a then removes the named image too.
  const auto labelled = docker({"image", "prune", "-a", "-f", "--filter", "label=team=none"});
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err << log();
  EXPECT_EQ(labelled.out.find("untagged:"), std::string::npos) << labelled.out;
  const auto all = docker({"image", "prune", "-a", "-f"});
  ASSERT_EQ(all.exit_code, 0) << all.err << log();
  EXPECT_NE(all.out.find("untagged: busybox:latest"), std::string::npos) << all.out;
  EXPECT_EQ(env_.gantry({"images", "-q"}).out, "");

  const auto refused = docker({"image", "prune", "-f", "--filter", "reference=busybox"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("the filter `reference` is not one gantry supports"),
            std::string::npos)
      << refused.err;
}

TEST_P(DaemonWithDockerClient, EventsListATagAnotherClientMade) {
  const std::string since = std::to_string(std::time(nullptr) - 1);
  // The tag is made by a client of another kind, before `docker events` asks.
  const auto tag = run_command({"curl", "-sSf", "--unix-socket", daemon_->socket().string(), "-X",
                                "POST", "http://gantry/images/busybox/tag?repo=app&tag=evt"});
  ASSERT_EQ(tag.exit_code, 0) << tag.err << log();
  ASSERT_EQ(docker({"rmi", "app:evt"}).exit_code, 0);
  const std::string until = std::to_string(std::time(nullptr) + 1);
  const auto events =
      docker({"events", "--filter", "type=image", "--since", since, "--until", until});
  ASSERT_EQ(events.exit_code, 0) << events.err << log();
  const std::string id = env_.gantry({"inspect", "--format", "{{.Id}}", "busybox"}).out;
  EXPECT_NE(events.out.find(" image tag " + id.substr(0, id.size() - 1) + " (name=app:evt)"),
            std::string::npos)
      << events.out;
  EXPECT_NE(events.out.find(" image untag " + id.substr(0, id.size() - 1)), std::string::npos)
      << events.out;

  const auto tags =
      docker({"events", "--filter", "event=tag", "--filter", "image=app", "--since", since,
              "--until", until, "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"});
  ASSERT_EQ(tags.exit_code, 0) << tags.err << log();
  EXPECT_EQ(tags.out, "image tag app:evt\n");

  const auto refused =
      docker({"events", "--filter", "container=x", "--since", since, "--until", until});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("the filter `container` is not one gantry supports"),
            std::string::npos)
      << refused.err;
}

TEST_P(DaemonWithDockerClient, ImportMakesAnImageOfTheTarballSent) {
  const auto import = docker(
      {"import", "--change", "ENV FROM_IMPORT=1", busybox_rootfs_tar().string(), "imported:v1"});
  ASSERT_EQ(import.exit_code, 0) << import.err << log();
  ASSERT_TRUE(import.out.starts_with("sha256:")) << import.out;
  const auto env =
      docker({"image", "inspect", "--format", "{{.Id}} {{.Config.Env}}", "imported:v1"});
  ASSERT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(env.out.substr(0, import.out.size() - 1), import.out.substr(0, import.out.size() - 1));
  EXPECT_NE(env.out.find("FROM_IMPORT=1"), std::string::npos) << env.out;
  EXPECT_EQ(env_.gantry({"run", "--rm", "imported:v1", "sh", "-c", "echo $FROM_IMPORT"}).out,
            "1\n");
}

INSTANTIATE_TEST_SUITE_P(Clients, DaemonWithDockerClient,
                         ::testing::Values("/usr/bin/docker", "/usr/local/bin/docker"),
                         [](const auto& info) {
                           return info.param == "/usr/bin/docker" ? "Docker20" : "Docker28";
                         });

// A build that runs `sleep SECONDS`, started with docker 20.10; returns the client's pid once the
// step's process runs.
int start_sleeping_build(const GantryEnv& env, const GantryDaemon& daemon,
                         const std::string& seconds) {
  const fs::path ctx = env.scratch() / "sleepy";
  write_context(ctx, "FROM busybox\nRUN sleep " + seconds + "\n");
  const int client =
      spawn_command({"/usr/bin/docker", "build", ctx.string()}, docker_env(env, daemon));
  if (!eventually([&] { return process_running({"sleep", seconds}); }))
    throw std::runtime_error("the build's RUN never started: " + daemon.log());
  return client;
}

TEST(Daemon, SigtermCancelsTheRunningBuildsRemovesTheSocketAndExitsZero) {
  GantryEnv env;
  env.import_busybox();
  GantryDaemon daemon(env);
  const int client = start_sleeping_build(env, daemon, "4343");
  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
  EXPECT_FALSE(fs::exists(daemon.socket()));
  EXPECT_NE(wait_for(client), 0);  // its build was cancelled
  EXPECT_TRUE(eventually([] { return !process_running({"sleep", "4343"}); }));
  EXPECT_NE(daemon.log().find("build cancelled"), std::string::npos) << daemon.log();
}

TEST(Daemon, SigtermEndsTheEventStreamsItServes) {
  GantryEnv env;
  GantryDaemon daemon(env);
  // A live stream (no since, no until) that would otherwise last for as long as the client.
  const int client = spawn_command(
      {"curl", "-sSfN", "--unix-socket", daemon.socket().string(), "http://gantry/events"});
  ASSERT_TRUE(eventually([&] {
    return daemon.log().find("GET /events: 200") != std::string::npos;
  })) << daemon.log();
  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
  EXPECT_EQ(wait_for(client), 0);  // the stream ended as a whole response, not cut off
}

TEST(Daemon, AClientThatHangsUpCancelsItsBuild) {
  GantryEnv env;
  env.import_busybox();
  GantryDaemon daemon(env);
  const int client = start_sleeping_build(env, daemon, "4344");
  ::kill(client, SIGKILL);
  wait_for(client);
  EXPECT_TRUE(eventually([] { return !process_running({"sleep", "4344"}); })) << daemon.log();
  // The daemon goes on serving others.
  const auto version =
      run_command({"/usr/bin/docker", "version", "--format", "{{.Server.APIVersion}}"},
                  docker_env(env, daemon));
  EXPECT_EQ(version.out, "1.41\n") << version.err;
  EXPECT_EQ(daemon.stop(), 0);
}

TEST(Daemon, AnotherDaemonsLiveSocketIsNotTakenOver) {
  GantryEnv env;
  GantryDaemon daemon(env);
  const auto second = env.gantry({"daemon", "-H", "unix://" + daemon.socket().string()});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("another daemon is listening on it"), std::string::npos) << second.err;
  EXPECT_TRUE(can_connect(daemon.socket()));
}

TEST(Daemon, GroupGivesTheSocketToTheGroupWithMode0660) {
  GantryEnv env;
  const group* own = ::getgrgid(::getgid());
  ASSERT_NE(own, nullptr);
  GantryDaemon daemon(env, {"--group", own->gr_name});
  struct stat st {};
  ASSERT_EQ(::stat(daemon.socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, ::getgid());
  EXPECT_EQ(st.st_mode & 07777, 0660u);
}

TEST(Daemon, AnUnknownGroupIsAUsageErrorNamingItAndNoSocketIsMade) {
  GantryEnv env;
  const fs::path socket = env.scratch() / "gantry.sock";
  const auto o =
      env.gantry({"daemon", "-H", "unix://" + socket.string(), "--group", "nosuchgroup"});
  EXPECT_EQ(o.exit_code, 125);
  EXPECT_NE(o.err.find("--group `nosuchgroup`: no such group"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists(socket));
}

// The API as any HTTP client speaks it: curl's output, then a line with the status code.
Outcome curl(const GantryDaemon& daemon, std::vector<std::string> args) {
  args.insert(args.begin(),
              {"curl", "-sS", "-w", "\n%{http_code}", "--unix-socket", daemon.socket().string()});
  return run_command(args);
}

TEST(Daemon, PingSaysWhatClientsNegotiateWith) {
  GantryEnv env;
  GantryDaemon daemon(env);
  const auto head = curl(daemon, {"--head", "http://gantry/_ping"});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  for (const char* header : {"API-Version: 1.41\r\n", "OSType: linux\r\n", "Builder-Version: 1\r\n",
                             "Docker-Experimental: false\r\n"})
    EXPECT_NE(head.out.find(header), std::string::npos) << head.out;
  EXPECT_EQ(curl(daemon, {"http://gantry/_ping"}).out, "OK\n200");
}

TEST(Daemon, ATooNewApiVersionGetsDockerdsMessage) {
  GantryEnv env;
  GantryDaemon daemon(env);
  EXPECT_EQ(curl(daemon, {"http://gantry/v1.99/version"}).out,
            "{\"message\":\"client version 1.99 is too new. Maximum supported API version is "
            "1.41\"}\n400");
  EXPECT_EQ(curl(daemon, {"http://gantry/v1.24/version"}).out.substr(0, 1), "{");
  EXPECT_TRUE(curl(daemon, {"http://gantry/v1.24/version"}).out.ends_with("\n200"));
}

TEST(Daemon, MalformedRequestsGet400WithAJsonMessage) {
  GantryEnv env;
  GantryDaemon daemon(env);
  EXPECT_EQ(curl(daemon, {"-X", "POST", "http://gantry/v1.41/build?buildargs=%7Bnope"}).out,
            "{\"message\":\"build parameter `buildargs`: `{nope` is not JSON\"}\n400");
  EXPECT_EQ(
      curl(daemon, {"http://gantry/images/json?filters=%7B%22since%22%3A%5B%22x%22%5D%7D"}).out,
      "{\"message\":\"filters: `since` is not one gantry supports (reference, dangling, "
      "label)\"}\n400");
  EXPECT_EQ(curl(daemon, {"http://gantry/images/json?shared-size=1"}).out,
            "{\"message\":\"GET /images/json: the parameter `shared-size=1` is not one gantry "
            "implements\"}\n400");
  EXPECT_EQ(curl(daemon, {"http://gantry/images/nosuch/json"}).out,
            "{\"message\":\"No such image: nosuch\"}\n404");
}

TEST(Daemon, RmiForceIsReadAsDockerdReadsABoolean) {
  GantryEnv env;
  env.import_busybox();
  ASSERT_EQ(env.gantry({"tag", "busybox", "other"}).exit_code, 0);
  const std::string id =
      env.gantry({"inspect", "--format", "{{.Id}}", "busybox"}).out.substr(7, 12);
  GantryDaemon daemon(env);
  // Two names: removing by id needs force, and "no" does not ask for it.
  const auto refused =
      curl(daemon, {"-X", "DELETE", "http://gantry/v1.41/images/" + id + "?force=no"});
  EXPECT_EQ(refused.out, "{\"message\":\"image `" + id +
                             "` is referenced by 2 names: remove them by name or use -f\"}\n409");
  const auto removed =
      curl(daemon, {"-X", "DELETE", "http://gantry/v1.41/images/" + id + "?force=Yes"});
  ASSERT_TRUE(removed.out.ends_with("\n200")) << removed.out;
  const auto body = nlohmann::json::parse(removed.out.substr(0, removed.out.rfind('\n')));
  EXPECT_EQ(body[0], nlohmann::json({{"Untagged", "busybox:latest"}}));
  EXPECT_EQ(body[1], nlohmann::json({{"Untagged", "other:latest"}}));
  EXPECT_EQ(env.gantry({"inspect", "busybox"}).exit_code, 1);
}

TEST(Daemon, InfoCountsImagesNotNames) {
  GantryEnv env;
  env.import_busybox();
  ASSERT_EQ(env.gantry({"tag", "busybox", "other"}).exit_code, 0);
  GantryDaemon daemon(env);
  auto images = [&] {
    const auto o = curl(daemon, {"http://gantry/v1.41/info"});
    return nlohmann::json::parse(o.out.substr(0, o.out.rfind('\n'))).at("Images");
  };
  EXPECT_EQ(images(), 1);  // busybox and other are one image
  // Another creation time makes another image.
  ASSERT_EQ(
      env.gantry({"import", busybox_rootfs_tar().string(), "later:1"}, {{"SOURCE_DATE_EPOCH", "1"}})
          .exit_code,
      0);
  EXPECT_EQ(images(), 2);
}

TEST(Daemon, ARequestBodyOverTheLimitIsRefused) {
  GantryEnv env;
  GantryDaemon daemon(env);
  const fs::path big = env.scratch() / "big";
  std::ofstream(big) << std::string(2 << 20, 'x');
  const auto o = curl(daemon, {"-X", "POST", "--data-binary", "@" + big.string(),
                               "http://gantry/images/x/tag?repo=y"});
  EXPECT_TRUE(o.out.ends_with("\n413")) << o.out << o.err;
  EXPECT_TRUE(curl(daemon, {"http://gantry/_ping"}).out.ends_with("\n200"));
}

TEST(Daemon, SystemDfCountsALayerSharedByImagesOnce) {
  GantryEnv env;
  env.import_busybox();
  GantryDaemon daemon(env);
  const fs::path ctx = env.scratch() / "ctx";
  write_context(ctx, "FROM busybox\nRUN echo more > /more\n");
  ASSERT_EQ(env.gantry({"build", "-t", "app", ctx.string()}).exit_code, 0);
  auto size_of = [&](const std::string& image) {
    return std::stoll(env.gantry({"inspect", "--format", "{{.Size}}", image}).out);
  };
  const std::int64_t busybox = size_of("busybox"), app = size_of("app");
  ASSERT_GT(app, busybox);

  const auto df = curl(daemon, {"http://gantry/v1.41/system/df"});
  ASSERT_TRUE(df.out.ends_with("\n200")) << df.out;
  const auto body = nlohmann::json::parse(df.out.substr(0, df.out.rfind('\n')));
  // app's layers are busybox's and one more: together they are app's size.
  EXPECT_EQ(body["LayersSize"], app);
  ASSERT_EQ(body["Images"].size(), 2u);
  for (const auto& image : body["Images"]) {
    // What each shares with the other is busybox's layer.
    EXPECT_EQ(image["SharedSize"], busybox) << image.dump();
    EXPECT_EQ(image["Containers"], 0);
  }
  EXPECT_EQ(body["Containers"], nlohmann::json::array());
  EXPECT_EQ(body["Volumes"], nlohmann::json::array());
  ASSERT_EQ(body["BuildCache"].size(), 1u) << body.dump();  // app's RUN, its layer
  EXPECT_EQ(body["BuildCache"][0]["Shared"], true);
  EXPECT_EQ(body["BuilderSize"], 0);
  EXPECT_EQ(curl(daemon, {"http://gantry/v1.41/system/df?type=volume"}).out,
            R"({"message":"GET /system/df: the parameter `type=volume` is not one gantry implements"})"
            "\n400");
}

TEST(Daemon, ImageArchiveEndpointsRefuseWhatTheyDoNotImplementByName) {
  GantryEnv env;
  env.import_busybox();
  GantryDaemon daemon(env);
  EXPECT_EQ(curl(daemon, {"http://gantry/v1.41/images/get?names=busybox&platform=linux/arm64"}).out,
            R"({"message":"GET /images/get: the parameter `platform=linux/arm64` is not one gantry implements"})"
            "\n400");
  EXPECT_EQ(curl(daemon, {"http://gantry/v1.41/images/get"}).out,
            R"j({"message":"GET /images/get: no image named (the names parameter)"})j"
            "\n400");
  // The per-name endpoint takes no names: another image asked for there is refused, not dropped.
  EXPECT_EQ(
      curl(daemon, {"http://gantry/v1.41/images/busybox/get?names=other"}).out,
      R"({"message":"GET /images/{name}/get: the parameter `names=other` is not one gantry implements"})"
      "\n400");
  EXPECT_EQ(curl(daemon, {"-X", "POST", "http://gantry/v1.41/images/load?platform=linux/arm64"}).out,
            R"({"message":"POST /images/load: the parameter `platform=linux/arm64` is not one gantry implements"})"
            "\n400");
  EXPECT_EQ(curl(daemon, {"-X", "POST", "http://gantry/v1.41/images/load"}).out,
            R"j({"message":"image archive: the request has no body (a docker-archive or oci-archive tar)"})j"
            "\n400");
}

}  // namespace
}  // namespace gantry::e2e

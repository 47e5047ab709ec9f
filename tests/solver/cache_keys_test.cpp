// Cache keys are a contract: a change to how any op is keyed silently invalidates every user's
// build cache. These pin the keys of each kind of op, as BuildKit's llb tests pin its graphs.
#include "solver/cache_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/file_util.h"
#include "cache/store.h"

namespace gantry::solver {

namespace fs = std::filesystem;

namespace {

// Every image has the layers `diff_ids` names, whatever its name and manifest.
class FixedImages : public ImageProvider {
 public:
  std::vector<std::string> layers(const std::string&) override { return {}; }
  std::vector<Digest> diff_ids(const std::string&) override { return diff_ids_; }
  std::vector<Digest> diff_ids_{Digest::parse("sha256:" + std::string(64, 'd'))};
};

class CacheKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(context() / "src");
    write_file_atomic(context() / "src/main.c", "int main() { return 0; }\n");
    ::chmod((context() / "src").c_str(), 0755);
    ::chmod((context() / "src/main.c").c_str(), 0644);
    options_.local_dirs["context"] = {context(), {}};
  }

  fs::path context() const { return tmp_.path() / "ctx"; }

  // The key of `out`'s node, its inputs keyed first (as the solver does).
  std::string key_of(const llb::Output& out) {
    CacheKeyer keyer(store_.db(), options_, images_);
    std::map<Digest, Digest> keys;
    for (const auto& n : llb::marshal(out).nodes) {
      std::vector<Digest> in;
      for (const auto& i : n->inputs)
        in.push_back(i.is_scratch() ? CacheKeyer::scratch_key() : keys.at(i.node->digest));
      keys[n->digest] = keyer.key(*n, in).key;
    }
    return keys.at(out.node->digest).hex();
  }

  static llb::Output busybox() {
    return llb::source({.identifier = "docker-image://busybox@sha256:" + std::string(64, 'a')});
  }
  static llb::Output context_source() {
    return llb::source({.identifier = "local://context", .attrs = {{"followpaths", "[\"src\"]"}}});
  }
  static llb::Output run(llb::Output base, std::string command) {
    llb::ExecOp op{.args = {"/bin/sh", "-c", std::move(command)}};
    op.mounts.push_back({.input = 0, .dest = "/", .output = 0});
    return llb::exec(std::move(op), {std::move(base)});
  }
  static llb::Output copy(llb::Output dest, llb::Output from, std::string src, std::string to) {
    llb::FileOp op{
        .dest_input = 0,
        .actions = {llb::FileCopy{.src_input = 1, .src = std::move(src), .dest = std::move(to)}}};
    return llb::file(std::move(op), {std::move(dest), std::move(from)});
  }

  TempDir tmp_{fs::temp_directory_path()};
  cache::Store store_{tmp_.path() / "root"};
  SolveOptions options_;
  FixedImages images_;
};

}  // namespace

TEST_F(CacheKeysTest, ImageSource) {
  EXPECT_EQ(key_of(busybox()), "f458a9f47903af89ed46a79ca0fda0075dee8afa77e92d273b9d8c296766d32b");
}

TEST_F(CacheKeysTest, AnImageIsKeyedByItsLayersNotByItsNameOrManifest) {
  const std::string key = key_of(run(busybox(), "make"));
  const auto renamed = llb::source({.identifier = "docker-image://mirror.example/library/busybox@sha256:" +
                                                  std::string(64, 'b')});
  EXPECT_EQ(key_of(run(renamed, "make")), key);
  images_.diff_ids_.push_back(Digest::parse("sha256:" + std::string(64, 'e')));
  EXPECT_NE(key_of(run(busybox(), "make")), key);
}

TEST_F(CacheKeysTest, RunOnTheBuildsDefaultNetwork) {
  EXPECT_EQ(key_of(run(busybox(), "make")),
            "3401882e479881dc6bc169b6eb01d64b898b96a013ad55b1ac8f269f4619c0d6");
  options_.default_network = executor::Network::None;
  EXPECT_EQ(key_of(run(busybox(), "make")),
            "3dec939d401acfe4f85f889c5cfe692f8422ca5269b9f6254e1b0fd77593021f");
  options_.default_network = executor::Network::Host;
  EXPECT_EQ(key_of(run(busybox(), "make")),
            "0ebc43e330bc4b78b6d74fe945c9180dcd82d1044d16213d33e29afdfda4117a");
}

// As BuildKit keys an ExecOp: the extra hosts' names but not their addresses, the size of
// /dev/shm and the ulimits; a build that sets none keeps the keys it had.
TEST_F(CacheKeysTest, RunSandboxSettingsThatAreKeyedAndThatAreNot) {
  const std::string plain = key_of(run(busybox(), "make"));
  options_.shm_bytes = executor::kDefaultShmBytes;
  EXPECT_EQ(key_of(run(busybox(), "make")), plain);

  options_.extra_hosts = {{"db", "127.0.0.5"}};
  const std::string with_db = key_of(run(busybox(), "make"));
  EXPECT_NE(with_db, plain);
  options_.extra_hosts = {{"db", "10.9.9.9"}};
  EXPECT_EQ(key_of(run(busybox(), "make")), with_db);
  options_.extra_hosts = {{"cache", "127.0.0.5"}};
  EXPECT_NE(key_of(run(busybox(), "make")), with_db);
  options_.extra_hosts.clear();

  options_.shm_bytes = 1 << 30;
  EXPECT_NE(key_of(run(busybox(), "make")), plain);
  options_.shm_bytes = executor::kDefaultShmBytes;

  options_.ulimits = {{"nofile", 1024, 4096}};
  const std::string with_nofile = key_of(run(busybox(), "make"));
  EXPECT_NE(with_nofile, plain);
  options_.ulimits = {{"nofile", 1024, 8192}};
  EXPECT_NE(key_of(run(busybox(), "make")), with_nofile);
}

// The security options decide which calls a step may make, so they are keyed (when not the
// default); the resource limits only bound how it runs, and are not.
TEST_F(CacheKeysTest, RunSecurityOptionsAreKeyedAndResourceLimitsAreNot) {
  const std::string plain = key_of(run(busybox(), "make"));
  options_.limits.memory_bytes = 64 << 20;
  options_.limits.memory_swap_bytes = -1;
  options_.limits.cpu_shares = 512;
  options_.limits.cpu_quota_us = 50000;
  options_.limits.cpuset_cpus = "0";
  options_.limits.cgroup_parent = "/ci";
  EXPECT_EQ(key_of(run(busybox(), "make")), plain);

  options_.security.seccomp = executor::SecurityOptions::Seccomp::Unconfined;
  const std::string unconfined = key_of(run(busybox(), "make"));
  EXPECT_NE(unconfined, plain);
  options_.security.seccomp = executor::SecurityOptions::Seccomp::Profile;
  options_.security.seccomp_profile = R"({"defaultAction": "SCMP_ACT_ALLOW"})";
  const std::string profile = key_of(run(busybox(), "make"));
  EXPECT_NE(profile, plain);
  EXPECT_NE(profile, unconfined);
  options_.security.seccomp_profile_name = "elsewhere.json";  // the content counts, not the file
  EXPECT_EQ(key_of(run(busybox(), "make")), profile);
  options_.security.seccomp_profile = R"({"defaultAction": "SCMP_ACT_LOG"})";
  EXPECT_NE(key_of(run(busybox(), "make")), profile);
  options_.security = {};
  EXPECT_EQ(key_of(run(busybox(), "make")), plain);

  options_.security.no_new_privileges = true;
  EXPECT_NE(key_of(run(busybox(), "make")), plain);
}

TEST_F(CacheKeysTest, FileOpWithoutSources) {
  llb::FileOp op{.dest_input = 0, .actions = {llb::FileMkdir{.path = "/app"}}};
  EXPECT_EQ(key_of(llb::file(std::move(op), {busybox()})),
            "9d8dd577d65031f64d284bafb22cb2622695fe6e3c5a4acb52e0c96462cfd6a7");
}

TEST_F(CacheKeysTest, CopyFromTheContextIsKeyedOnWhatItReads) {
  EXPECT_EQ(key_of(copy(busybox(), context_source(), "/src", "/app/")),
            "a2f1920896863a3931f9264ad07bf617e4d28dc03a7bcfdb0e5444bf5e144d6d");
}

TEST_F(CacheKeysTest, CopyFromAStageAndTheStepsAfterIt) {
  auto built =
      run(copy(busybox(), context_source(), "/src", "/src/"), "cc -o /out/app /src/main.c");
  auto final_copy = copy(busybox(), built, "/out/app", "/app");
  EXPECT_EQ(key_of(final_copy), "11fbcb3e0a2b37fd5695161e868dcd7c5bb73d62e154556bb4956665449e15b6");
  EXPECT_EQ(key_of(run(final_copy, "/app --selftest")),
            "43e0a3371bb052274d2302bbc6be2923d4a60e58c936fd2fdf7b15ce26aa98ff");
}

// --exclude and --parents: the key changes with the patterns and with the files they leave in,
// not with the files they leave out; a copy without them keeps its key (pinned above).
TEST_F(CacheKeysTest, CopyPatternsKeyWhatTheyLeaveIn) {
  options_.path_patterns = [](const std::vector<std::string>& patterns) {
    return cache::ExcludeRules{[patterns](std::string_view path) {
      for (const auto& p : patterns)
        if (path == p || path.starts_with(p + "/")) return true;
      return false;
    }};
  };
  write_file_atomic(context() / "src/notes.log", "one\n");
  fs::create_directories(context() / "src/lib");
  write_file_atomic(context() / "src/lib/util.c", "int util;\n");
  auto patterned = [&](std::vector<std::string> exclude, bool parents = false) {
    llb::FileCopy c{.src_input = 1, .src = parents ? "/" : "/src", .dest = "/app/", .exclude_patterns = std::move(exclude)};
    if (parents) {
      c.parents = true;
      c.include_patterns = {"src/lib"};
    }
    return key_of(llb::file(llb::FileOp{.dest_input = 0, .actions = {c}}, {busybox(), context_source()}));
  };
  const std::string excluding_log = patterned({"notes.log"});
  const std::string parents = patterned({}, true);
  EXPECT_NE(excluding_log, patterned({"lib"})) << "the patterns are keyed";

  write_file_atomic(context() / "src/notes.log", "two\n");
  EXPECT_EQ(patterned({"notes.log"}), excluding_log) << "an excluded file changed";
  EXPECT_EQ(patterned({}, true), parents) << "a file the --parents pattern does not name changed";

  write_file_atomic(context() / "src/lib/util.c", "int util = 1;\n");
  EXPECT_NE(patterned({"notes.log"}), excluding_log);
  EXPECT_NE(patterned({}, true), parents);
}

TEST_F(CacheKeysTest, CopyWithParentsAndASymbolicMode) {
  options_.path_patterns = [](const std::vector<std::string>&) { return cache::ExcludeRules{}; };
  llb::FileCopy c{.src_input = 1, .src = "/", .dest = "/app/", .symbolic_mode = "u+x,g=rx", .parents = true,
                  .include_patterns = {"src/*.c"}};
  EXPECT_EQ(key_of(llb::file(llb::FileOp{.dest_input = 0, .actions = {c}}, {busybox(), context_source()})),
            "105621e828b5250b9b3513efcea4d7b163edfca94dc0ad9afed16cb212d5e810");
}

TEST_F(CacheKeysTest, Merge) {
  EXPECT_EQ(key_of(llb::merge({busybox(), run(busybox(), "make")})),
            "97d913bef251f94ef6423f39a5bde3a0f6bb3dc8ea223c09d38dde3d786d0ad7");
}

}  // namespace gantry::solver

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
    CacheKeyer keyer(store_.db(), options_);
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
};

}  // namespace

TEST_F(CacheKeysTest, ImageSource) {
  EXPECT_EQ(key_of(busybox()), "c7ed15a21b1b07c149beede4d6e5b867024787ec38e817b8181f25b09387b7a6");
}

TEST_F(CacheKeysTest, RunOnTheBuildsDefaultNetwork) {
  EXPECT_EQ(key_of(run(busybox(), "make")),
            "1066cd5460e0d207b64c3ba154322581565db3564946340f89931d37c18d8182");
  options_.default_network = executor::Network::None;
  EXPECT_EQ(key_of(run(busybox(), "make")),
            "6da279d24b4556299463b229e8ff5b2bb264661a619f405355cac28c74d88145");
  options_.default_network = executor::Network::Host;
  EXPECT_EQ(key_of(run(busybox(), "make")),
            "7e777601d38f0cbfd91f2f3e1e55bbb29b02747e07949f1adefa02c62e4c5fe5");
}

TEST_F(CacheKeysTest, FileOpWithoutSources) {
  llb::FileOp op{.dest_input = 0, .actions = {llb::FileMkdir{.path = "/app"}}};
  EXPECT_EQ(key_of(llb::file(std::move(op), {busybox()})),
            "0118d5217e48217f325381ff326b1f7bfb46f7bd22fc7a5ff5a0df94587dbb2b");
}

TEST_F(CacheKeysTest, CopyFromTheContextIsKeyedOnWhatItReads) {
  EXPECT_EQ(key_of(copy(busybox(), context_source(), "/src", "/app/")),
            "78ea5845f2dddf279bfc8c6934d205232fb1b1fa047de3ffc0b5c2d91d35c535");
}

TEST_F(CacheKeysTest, CopyFromAStageAndTheStepsAfterIt) {
  auto built =
      run(copy(busybox(), context_source(), "/src", "/src/"), "cc -o /out/app /src/main.c");
  auto final_copy = copy(busybox(), built, "/out/app", "/app");
  EXPECT_EQ(key_of(final_copy), "6eec7faff74dcd2eaece0ad6790c1f4d910ea2ec27fe8f9edac6a80a4f1e0a17");
  EXPECT_EQ(key_of(run(final_copy, "/app --selftest")),
            "c7b851c2666965adad04a86f4fbd61934060c9353ef114c0cb1e4796a3d7616a");
}

TEST_F(CacheKeysTest, Merge) {
  EXPECT_EQ(key_of(llb::merge({busybox(), run(busybox(), "make")})),
            "13fc2ec4a6e732014d859c870299571941c2030493cbd66f5cdd4a39f1e70996");
}

}  // namespace gantry::solver

// The store under hostile conditions end to end: commands killed halfway, a full disk, a prune
// that must get through a steady stream of builds. Whatever a command was doing, the next one
// finds the store clean (nothing left that it does not remove, nothing that `du` does not count),
// a failed command gives back the space it took, and prune is not starved.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/file_util.h"
#include "base/unique_fd.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) names.insert(entry.path().filename().string());
  return names;
}

// Polls `done` every few milliseconds for up to `limit`; whether it became true.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return done();
}

void kill_and_reap(int pid) {
  ::kill(pid, SIGKILL);
  wait_for(pid);
}

fs::path context(const GantryEnv& env, const std::string& name, const std::string& dockerfile) {
  const fs::path dir = env.scratch() / name;
  fs::create_directories(dir);
  write_file_atomic(dir / "Dockerfile", dockerfile);
  return dir;
}

// A size-limited tmpfs holding the test's store root (bind-mounted at env.root()) and a
// directory for outputs: an export then fills the very filesystem the store is on.
class SmallDisk {
 public:
  SmallDisk(const GantryEnv& env, std::int64_t bytes) : disk_(env.scratch() / "disk"), root_(env.root()) {
    fs::create_directories(disk_);
    fs::create_directories(root_);
    if (::mount("tmpfs", disk_.c_str(), "tmpfs", 0, ("size=" + std::to_string(bytes)).c_str()) != 0)
      throw std::runtime_error("mount a tmpfs at " + disk_.string());
    fs::create_directories(disk_ / "root");
    fs::create_directories(out());
    if (::mount((disk_ / "root").c_str(), root_.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      ::umount2(disk_.c_str(), MNT_DETACH);
      throw std::runtime_error("bind-mount the small disk at " + root_.string());
    }
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  ~SmallDisk() {
    ::umount2(root_.c_str(), MNT_DETACH);
    ::umount2(disk_.c_str(), MNT_DETACH);
  }
  fs::path out() const { return disk_ / "out"; }
  std::int64_t free_bytes() const {
    struct statvfs vfs;
    if (::statvfs(disk_.c_str(), &vfs) != 0) throw std::runtime_error("statvfs " + disk_.string());
    return static_cast<std::int64_t>(vfs.f_bavail) * static_cast<std::int64_t>(vfs.f_frsize);
  }
  // Takes space with a file of its own until only `bytes` are left.
  void leave_free(std::int64_t bytes) const {
    const Outcome o = run_command({"fallocate", "-l", std::to_string(free_bytes() - bytes), (disk_ / "filler").string()});
    if (o.exit_code != 0) throw std::runtime_error("fallocate: " + o.err);
  }

 private:
  fs::path disk_, root_;
};

constexpr std::int64_t kMiB = 1 << 20;

// A small disk with busybox and an image of one incompressible 20 MB layer built on it, then
// filled until `free_left` bytes are left: the OCI export of that image packs a 20 MB gzip
// blob into the store, then writes 20 MB more.
struct DiskWithABigImage {
  DiskWithABigImage(const GantryEnv& env, std::int64_t free_left)
      : disk(env, 96 * kMiB),
        big(context(env, "big", "FROM busybox\nRUN head -c 20000000 /dev/urandom > /big\n")) {
    env.import_busybox();
    const Outcome o = env.gantry({"build", "-q", "-t", "big:1", big.string()});
    if (o.exit_code != 0) throw std::runtime_error("build big:1: " + o.err);
    blobs_before = names_in(env.root() / "blobs/sha256");
    disk.leave_free(free_left);
    free_before = disk.free_bytes();
  }
  Outcome export_oci(const GantryEnv& env) const {
    return env.gantry({"build", "-q", "-o", "type=oci,dest=" + (disk.out() / "big.tar").string(), big.string()});
  }
  SmallDisk disk;
  fs::path big;
  std::set<std::string> blobs_before;  // the store's blobs before any export
  std::int64_t free_before = 0;  // once filled
};

// The "Temporary" row of `gantry du`, as printed.
std::string du_temporary(const GantryEnv& env) {
  const Outcome du = env.gantry({"du"});
  const auto at = du.out.find("Temporary");
  if (at == std::string::npos) return "(no Temporary row)";
  const std::string line = du.out.substr(at, du.out.find('\n', at) - at);
  return line.substr(line.find_last_of(' ') + 1);
}

TEST(HostileStore, AKilledImportLeavesNothingTheNextCommandDoesNotRemove) {
  GantryEnv env;
  // Incompressible, so that packing it takes long enough to be killed in the middle.
  const fs::path rootfs = env.scratch() / "rootfs";
  fs::create_directories(rootfs);
  ASSERT_EQ(run_command({"sh", "-c", "head -c 60000000 /dev/urandom > " + (rootfs / "random").string()}).exit_code, 0);
  const fs::path tarball = env.scratch() / "rootfs.tar";
  ASSERT_EQ(run_command({"tar", "-C", rootfs.string(), "-cf", tarball.string(), "."}).exit_code, 0);
  env.import_busybox();  // the store exists

  for (int attempt = 0; attempt < 3; ++attempt) {
    const int pid = env.spawn({"import", tarball.string(), "big:1"});
    // Killed once the tarball is unpacked, while the layer is being packed.
    const bool unpacking = wait_until(
        [&] {
          for (const fs::path& dir : {env.root(), env.root() / "tmp"})
            for (const std::string& name : names_in(dir))
              if (fs::exists(dir / name / "random") && fs::file_size(dir / name / "random") == 60000000) return true;
          return false;
        },
        20s);
    if (unpacking && attempt == 0) {
      const std::string temporary = du_temporary(env);
      EXPECT_TRUE(temporary != "0B" && temporary != "(no Temporary row)") << "du does not count a running import";
    }
    kill_and_reap(pid);
    EXPECT_TRUE(unpacking) << "the import was not seen unpacking";
  }
  ASSERT_EQ(env.gantry({"images"}).exit_code, 0);  // any next command
  for (const std::string& name : names_in(env.root())) EXPECT_FALSE(name.starts_with("import-")) << name;
  EXPECT_EQ(names_in(env.root() / "tmp"), std::set<std::string>{});
  EXPECT_EQ(du_temporary(env), "0B");
}

TEST(HostileStore, AKilledLocalExportLeavesNoStagingDirectoryAfterTheNextCommand) {
  GantryEnv env;
  env.import_busybox();
  // Many files: the export copies them one by one, long enough to be killed in the middle.
  const fs::path ctx = context(env, "many", "FROM busybox\nRUN mkdir /many && cd /many && for i in $(seq 20000); do echo $i > f$i; done\n");
  ASSERT_EQ(env.gantry({"build", "-q", ctx.string()}).exit_code, 0);
  const fs::path outputs = env.scratch() / "outputs";
  fs::create_directories(outputs);

  bool killed_while_staging = false;
  for (int attempt = 0; attempt < 5 && !killed_while_staging; ++attempt) {
    const int pid = env.spawn({"build", "-q", "-o", "type=local,dest=" + (outputs / "rootfs").string(), ctx.string()});
    killed_while_staging = wait_until([&] { return !names_in(outputs).empty() && !fs::exists(outputs / "rootfs"); }, 20s);
    kill_and_reap(pid);
    std::error_code ec;
    fs::remove_all(outputs / "rootfs", ec);  // an attempt that finished first
  }
  ASSERT_TRUE(killed_while_staging) << "the export was never seen staging";
  ASSERT_EQ(env.gantry({"images"}).exit_code, 0);  // any next command
  EXPECT_EQ(names_in(outputs), std::set<std::string>{});
  EXPECT_EQ(names_in(env.root() / "tmp"), std::set<std::string>{});
}

TEST(HostileStore, AnExportThatFillsTheDiskGivesBackTheSpaceItTook) {
  GantryEnv env;
  // Room for the packed layer in the store, not for the archive as well.
  const DiskWithABigImage setup(env, 30 * kMiB);
  const Outcome o = setup.export_oci(env);
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_NE(o.err.find("No space left on device"), std::string::npos) << o.err;
  EXPECT_EQ(names_in(env.root() / "blobs/sha256"), setup.blobs_before) << "the failed export's blobs stayed";
  // What stays is the build's metadata: a few pages of the database, not the 20 MB layer.
  EXPECT_GT(setup.disk.free_bytes(), setup.free_before - kMiB);
  EXPECT_EQ(names_in(setup.disk.out()), std::set<std::string>{});
  EXPECT_EQ(names_in(env.root() / "ingest"), std::set<std::string>{});
  EXPECT_EQ(env.gantry({"images", "-q"}).exit_code, 0);
}

TEST(HostileStore, TheNextBuildsGcReclaimsWhatAFailedExportCouldNotTakeBack) {
  GantryEnv env;
  // After the packed layer, less free space than the GC's cap (10% of the disk).
  const DiskWithABigImage setup(env, 26 * kMiB);

  // Another gantry using the store keeps the failed export from removing what it wrote (the
  // other one might be about to use it).
  {
    UniqueFd other_gantry(::open((env.root() / "lock").c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(other_gantry && ::flock(other_gantry.get(), LOCK_SH) == 0);
    EXPECT_EQ(setup.export_oci(env).exit_code, 1);
  }
  std::set<std::string> left;
  for (const std::string& name : names_in(env.root() / "blobs/sha256"))
    if (!setup.blobs_before.count(name)) left.insert(name);
  ASSERT_FALSE(left.empty()) << "the failed export took back its blobs although the store was in use";

  const fs::path small = context(env, "small", "FROM busybox\nRUN echo small > /small\n");
  const Outcome next = env.gantry({"build", "-q", small.string()});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  for (const std::string& name : left)
    EXPECT_FALSE(fs::exists(env.root() / "blobs/sha256" / name)) << "the GC left the unused blob " << name;
  EXPECT_GT(setup.disk.free_bytes(), setup.free_before - kMiB);
  EXPECT_EQ(env.gantry({"run", "--rm", "big:1", "ls", "-l", "/big"}).exit_code, 0) << "the GC took big:1's layer";
}

TEST(HostileStore, PruneGetsThroughAStreamOfBuilds) {
  GantryEnv env;
  env.import_busybox();
  const fs::path ctx = context(env, "slow", "FROM busybox\nRUN sleep 1\n");
  // Three builds always overlapping: under flock alone there is hardly a moment without one.
  std::atomic<bool> stop{false};
  std::atomic<int> builds{0}, failed_builds{0};
  std::vector<std::thread> loops;
  for (int i = 0; i < 3; ++i)
    loops.emplace_back([&, i] {
      std::this_thread::sleep_for(i * 400ms);
      while (!stop) {
        const Outcome o = env.gantry({"build", "-q", "--no-cache", ctx.string()});
        ++(o.exit_code == 0 ? builds : failed_builds);
      }
    });
  std::this_thread::sleep_for(3s);
  const auto start = std::chrono::steady_clock::now();
  // A bound on liveness, far above what a prune needs (the running builds end within seconds).
  const Outcome prune = run_command({"timeout", "60", gantry_binary(), "prune", "-f"}, {{"GANTRY_ROOT", env.root().string()}});
  const auto took = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
  const int builds_during_prune = builds;
  std::this_thread::sleep_for(3s);  // the builds go on after it
  stop = true;
  for (auto& loop : loops) loop.join();
  EXPECT_EQ(prune.exit_code, 0) << "prune was starved for 60 s: " << prune.err;
  EXPECT_LT(took.count(), 60);
  EXPECT_GT(builds.load(), builds_during_prune);
  EXPECT_EQ(failed_builds.load(), 0);
}

}  // namespace
}  // namespace gantry::e2e

// The store under hostile conditions end to end: commands killed halfway, a full disk, a prune
// that must get through a steady stream of builds. Whatever a command was doing, the next one
// finds the store clean (nothing left that it does not remove, nothing that `du` does not count),
// a failed command gives back the space it took, and prune is not starved.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "base/file_util.h"
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

}  // namespace
}  // namespace gantry::e2e

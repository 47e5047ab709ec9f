// Issue 16's closing check: one Dockerfile that uses every flag gantry used to accept and ignore
// (a symlink named as a COPY source, COPY --parents and --exclude, symbolic --chmod, COPY --link,
// a cache mount seeded from a stage with sharing=locked, an ssh mount's mode/uid/gid, a
// `# syntax=` naming another frontend). The image's /app is listed in full and compared with the
// listing BuildKit's documentation gives for it, so each flag shows where it changes the files;
// before, the same Dockerfile built the link itself, flat and unfiltered copies, 0644 modes, an
// empty cache and a root-owned 0600 socket.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// "PATH MODE[ = CONTENT]" for every entry below `root`, sorted, directories with a trailing '/'.
std::string listing(const fs::path& root) {
  std::vector<std::string> lines;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    struct stat st {};
    ::lstat(e.path().c_str(), &st);
    std::ostringstream line;
    line << fs::relative(e.path(), root).string() << (S_ISDIR(st.st_mode) ? "/" : "") << " "
         << std::oct << (st.st_mode & 07777);
    if (S_ISLNK(st.st_mode)) line << " -> " << fs::read_symlink(e.path()).string();
    if (S_ISREG(st.st_mode)) {
      std::string content = read_file(e.path());
      if (!content.empty() && content.back() == '\n') content.pop_back();
      line << " = " << content;
    }
    lines.push_back(line.str());
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

void write(const fs::path& path, const std::string& data, fs::perms perms = fs::perms(0644)) {
  fs::create_directories(path.parent_path());
  write_file_atomic(path, data);
  fs::permissions(path, perms);
}

}  // namespace

TEST(FormerlyIgnoredFlags, EachChangesTheImageWhereBuildKitSaysItShould) {
  GantryEnv env;
  env.import_busybox();
  const fs::path ctx = env.scratch() / "ctx", out = env.scratch() / "out";
  write(ctx / "target.txt", "the link's target");
  fs::create_symlink("target.txt", ctx / "link-to-target");
  write(ctx / "src/a/one.txt", "one");
  write(ctx / "src/b/two.txt", "two");
  write(ctx / "logs/keep.txt", "kept");
  write(ctx / "logs/debug.log", "left out");
  write(ctx / "tool.sh", "#!/bin/sh\n");
  write(ctx / "linked.txt", "linked");
  write(ctx / "Dockerfile",
        "# syntax=example.com/another/frontend:1\n"
        "FROM busybox:latest AS seed\n"
        "RUN mkdir -p /data && echo seeded > /data/x\n"
        "FROM busybox:latest\n"
        "COPY link-to-target /app/followed\n"
        "COPY --parents src/./a/one.txt src/./b/two.txt /app/parents/\n"
        "COPY --exclude=*.log logs/ /app/logs/\n"
        "COPY --chmod=u=rwx,g=rx,o= tool.sh /app/tool.sh\n"
        "COPY --link linked.txt /app/linked.txt\n"
        "RUN --mount=type=cache,id=seeded,from=seed,source=/data,target=/cache,sharing=locked "
        "cp /cache/x /app/seeded\n"
        "RUN --mount=type=ssh,mode=0640,uid=1000,gid=50 "
        "stat -c '%a %u %g' \"$SSH_AUTH_SOCK\" > /app/ssh\n");
  const fs::path key = env.scratch() / "id_test";
  ASSERT_EQ(
      run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.string()}).exit_code,
      0);

  const Outcome built =
      env.gantry({"build", "--progress=plain", "--network=none", "--ssh", "default=" + key.string(),
                  "-o", "type=local,dest=" + out.string(), ctx.string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;

  EXPECT_EQ(listing(out / "app"),
            "followed 644 = the link's target\n"  // the file a named symlink points to
            "linked.txt 644 = linked\n"           // --link: the same files, on a layer of its own
            "logs/ 755\n"
            "logs/keep.txt 644 = kept\n"  // --exclude=*.log left debug.log out
            "parents/ 755\n"
            "parents/a/ 755\n"  // --parents kept what follows each /./
            "parents/a/one.txt 644 = one\n"
            "parents/b/ 755\n"
            "parents/b/two.txt 644 = two\n"
            "seeded 644 = seeded\n"       // the cache came seeded from the stage's /data
            "ssh 644 = 640 1000 50\n"     // the agent's socket with the mount's mode, uid and gid
            "tool.sh 750 = #!/bin/sh\n")  // u=rwx,g=rx,o=
      << built.err;

  // The other frontend is named once, with the version gantry follows instead.
  const std::string warning = "example.com/another/frontend:1";
  const auto first = built.err.find(warning);
  EXPECT_NE(first, std::string::npos) << built.err;
  EXPECT_EQ(built.err.find(warning, first + 1), std::string::npos) << built.err;
}

}  // namespace gantry::e2e

// Lowering of COPY/ADD's --chmod, --parents and --exclude (what the file op says, as BuildKit's
// dockerfile2llb lowers them), and the `# syntax=` warning.
#include <gtest/gtest.h>

#include "base/error.h"
#include "frontend/dockerfile/frontend.h"
#include "frontend/dockerfile/syntax_directive.h"
#include "llb/definition.h"

namespace gantry::frontend {
namespace {

ImageInfo busybox(const std::string& ref, const Platform& = host_platform()) {
  if (ref != "busybox") throw Error("image " + ref + ": not found");
  nlohmann::json config = {{"architecture", "amd64"}, {"os", "linux"}, {"config", {{"Env", {"PATH=/bin"}}}}};
  return {"busybox:latest", Digest::from_hex(std::string(64, 'a')), config};
}

BuildPlan lower_text(const std::string& dockerfile) {
  return lower({.dockerfile = dockerfile, .resolve_image = busybox});
}

std::vector<llb::FileAction> actions_of(const std::string& dockerfile) {
  return std::get<llb::FileOp>(lower_text(dockerfile).root.node->op).actions;
}

llb::FileCopy only_copy(const std::string& dockerfile) {
  auto actions = actions_of(dockerfile);
  EXPECT_EQ(actions.size(), 1u);
  return std::get<llb::FileCopy>(actions.at(0));
}

std::string error_of(const std::string& dockerfile) {
  try {
    lower_text(dockerfile);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CopyFlags, ChmodIsOctalUpTo07777OrElseASymbolicMode) {
  EXPECT_EQ(only_copy("FROM busybox\nCOPY --chmod=4755 a /a\n").mode, 04755u);
  const auto symbolic = only_copy("FROM busybox\nCOPY --chmod=u+x,g=rx a /a\n");
  EXPECT_FALSE(symbolic.mode);
  EXPECT_EQ(symbolic.symbolic_mode, "u+x,g=rx");
  EXPECT_EQ(only_copy("FROM busybox\nARG M=+x\nADD --chmod=$M a /a\n").symbolic_mode, "+x");
  // A heredoc's file is made 0644 and then changed.
  const auto heredoc = actions_of("FROM busybox\nCOPY --chmod=a+x <<EOF /run.sh\necho\nEOF\n");
  EXPECT_EQ(std::get<llb::FileMkfile>(heredoc.at(0)).mode, 0755u);

  EXPECT_NE(error_of("FROM busybox\nCOPY --chmod=10000 a /a\n").find("Dockerfile:2: invalid chmod parameter: \"10000\""),
            std::string::npos);
  EXPECT_NE(error_of("FROM busybox\nCOPY --chmod=0789 a /a\n").find("invalid chmod parameter: \"0789\""),
            std::string::npos);
  EXPECT_EQ(error_of("FROM busybox\nCOPY --chmod=u+q a /a\n"),
            "Dockerfile:2: invalid chmod value `u+q`: unexpected `q`");
}

TEST(CopyFlags, ParentsSplitsTheSourceAtItsPivot) {
  const auto plain = only_copy("FROM busybox\nCOPY --parents x/a.txt /p/\n");
  EXPECT_TRUE(plain.parents);
  EXPECT_EQ(plain.src, "/");
  EXPECT_EQ(plain.include_patterns, std::vector<std::string>{"x/a.txt"});
  const auto pivot = only_copy("FROM busybox\nCOPY --parents ./x/./y/*.txt /p/\n");
  EXPECT_EQ(pivot.src, "/x");
  EXPECT_EQ(pivot.include_patterns, std::vector<std::string>{"y/*.txt"});
  EXPECT_TRUE(pivot.allow_empty_wildcard);
  const auto from = only_copy("FROM busybox AS b\nFROM busybox\nCOPY --from=b --parents /usr/./lib/**/*.so /l/\n");
  EXPECT_EQ(from.src, "/usr");
  EXPECT_EQ(from.include_patterns, std::vector<std::string>{"lib/**/*.so"});
  // Without --parents nothing changes, and the copy's digest stays what it was.
  const auto without = only_copy("FROM busybox\nCOPY x/./a.txt /p/\n");
  EXPECT_FALSE(without.parents);
  EXPECT_TRUE(without.include_patterns.empty());
  EXPECT_EQ(llb::to_json(llb::FileOp{.actions = {without}}).dump().find("include_patterns"), std::string::npos);

  EXPECT_NE(error_of("FROM busybox\nCOPY --parents x/./../../etc /p/\n").find("outside the build context"),
            std::string::npos);
  EXPECT_EQ(error_of("FROM busybox AS b\nFROM busybox\nCOPY --from=b --parents /x/./../etc /p/\n"),
            "Dockerfile:3: COPY --parents: \"/x/./../etc\" climbs out of \"/x\"");
  // As in BuildKit, ADD has no --parents.
  EXPECT_NE(error_of("FROM busybox\nADD --parents a /p/\n").find("unknown flag: --parents"), std::string::npos);
}

TEST(CopyFlags, ExcludePatternsAreExpandedAndKeyed) {
  const auto copy = only_copy("FROM busybox\nARG E=*.log\nCOPY --exclude=$E --exclude=!keep.log . /app/\n");
  EXPECT_EQ(copy.exclude_patterns, (std::vector<std::string>{"*.log", "!keep.log"}));
  const auto add = only_copy("FROM busybox\nADD --exclude=**/*.tmp dir /d/\n");
  EXPECT_EQ(add.exclude_patterns, std::vector<std::string>{"**/*.tmp"});
  EXPECT_EQ(error_of("FROM busybox\nCOPY --exclude=" + std::string(5000, '*') + " . /app/\n"),
            "Dockerfile:2: --exclude:1: a pattern of 5000 bytes, longer than any path (4096 bytes)");
  // A value that a .dockerignore would not read as exactly one pattern is refused, naming the flag.
  EXPECT_EQ(error_of("FROM busybox\nCOPY --exclude=#a . /app/\n"),
            "Dockerfile:2: --exclude \"#a\": not one pattern (it is blank, a `#` comment or more than one line)");
  EXPECT_EQ(error_of("FROM busybox\nARG E\nCOPY --exclude=$E . /app/\n"),
            "Dockerfile:3: --exclude \"\": not one pattern (it is blank, a `#` comment or more than one line)");
  const auto two_lines = [](const std::string& dockerfile) {
    try {
      lower({.dockerfile = dockerfile, .build_args = {{"P", "a\nb"}}, .resolve_image = busybox});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(two_lines("FROM busybox\nARG P\nCOPY --exclude=$P . /app/\n"),
            "Dockerfile:3: --exclude \"a\\nb\": not one pattern (it is blank, a `#` comment or more than one line)");
  EXPECT_EQ(two_lines("FROM busybox\nARG P\nCOPY --parents x/./$P /p/\n"),
            "Dockerfile:3: --parents \"a\\nb\": not one pattern (it is blank, a `#` comment or more than one line)");
  EXPECT_EQ(error_of("FROM busybox\nCOPY --parents x/./#a /p/\n"),
            "Dockerfile:2: --parents \"#a\": not one pattern (it is blank, a `#` comment or more than one line)");
  EXPECT_EQ(error_of("FROM busybox\nCOPY --parents x/./!a /p/\n"),
            "Dockerfile:2: COPY --parents: \"x/./!a\": a `!` re-include names nothing to copy");
  // Nothing after the pivot is everything below it, not a blank pattern.
  EXPECT_EQ(only_copy("FROM busybox\nCOPY --parents x/./ /p/\n").include_patterns, std::vector<std::string>{"."});
  // The step's digest (and so its cache key) changes with its patterns.
  EXPECT_NE(lower_text("FROM busybox\nCOPY --exclude=a . /app/\n").root.node->digest,
            lower_text("FROM busybox\nCOPY --exclude=b . /app/\n").root.node->digest);
}

TEST(CopyFlags, AddChecksumIsRefusedWhereItWouldVerifyNothing) {
  const std::string sum = "sha256:" + std::string(64, '0');
  const auto plan = lower_text("FROM busybox\nADD --checksum=" + sum + " https://example.com/a.tgz /a\n");
  EXPECT_EQ(std::get<llb::SourceOp>(plan.root.node->inputs[1].node->op).attrs.at("checksum"), sum);
  EXPECT_EQ(error_of("FROM busybox\nADD --checksum=" + sum + " a.tgz /a\n"),
            "Dockerfile:2: checksum requires HTTP(S) or Git sources");
  EXPECT_EQ(error_of("FROM busybox\nADD --checksum=" + sum + " https://example.com/a https://example.com/b /d/\n"),
            "Dockerfile:2: checksum can't be specified for multiple sources");
}

// The Git source ADD copies from: its remote, ref and subdir, and its flags.
llb::SourceOp git_source_of(const std::string& dockerfile) {
  const auto plan = lower_text(dockerfile);
  const auto& copy = std::get<llb::FileCopy>(std::get<llb::FileOp>(plan.root.node->op).actions.at(0));
  EXPECT_EQ(copy.src, "/");
  return std::get<llb::SourceOp>(plan.root.node->inputs.at(static_cast<std::size_t>(copy.src_input)).node->op);
}

TEST(CopyFlags, AddOfAGitUrlCopiesTheRepository) {
  const auto plain = git_source_of("FROM busybox\nADD https://example.com/r.git#v1:sub /r\n");
  EXPECT_EQ(plain.identifier, "git+https://example.com/r.git");
  EXPECT_EQ(plain.attrs, (std::map<std::string, std::string>{{"ref", "v1"}, {"subdir", "sub"}}));
  for (const char* git : {"git://example.com/r", "ssh://git@example.com/r", "git@example.com:r.git"})
    EXPECT_EQ(git_source_of("FROM busybox\nADD " + std::string(git) + " /r\n").identifier, "git+" + std::string(git));
  const auto kept = git_source_of("FROM busybox\nADD --keep-git-dir=true --checksum=abc123 git@example.com:r.git /r\n");
  EXPECT_EQ(kept.attrs, (std::map<std::string, std::string>{{"checksum", "abc123"}, {"keep-git-dir", "true"}}));
  const auto query = git_source_of("FROM busybox\nADD https://h/r.git?branch=dev&keep-git-dir=1&submodules=0 /r\n");
  EXPECT_EQ(query.attrs, (std::map<std::string, std::string>{
                             {"ref", "refs/heads/dev"}, {"keep-git-dir", "true"}, {"submodules", "false"}}));
  // A plain file whose name merely contains .git is a file; a github.com/ path is a path in ADD.
  const auto file = lower_text("FROM busybox\nADD https://example.com/a.github.tgz /a\n");
  EXPECT_EQ(std::get<llb::SourceOp>(file.root.node->inputs.at(1).node->op).identifier, "https://example.com/a.github.tgz");
}

TEST(CopyFlags, GitFlagsThatWouldDoNothingOrDisagreeAreErrors) {
  EXPECT_EQ(error_of("FROM busybox\nADD --keep-git-dir=true https://example.com/a.tgz /a\n"),
            "Dockerfile:2: --keep-git-dir: only for Git sources");
  EXPECT_EQ(error_of("FROM busybox\nADD --keep-git-dir=true https://h/r.git?keep-git-dir=false /a\n"),
            "Dockerfile:2: inconsistent keep-git-dir configuration");
  EXPECT_EQ(error_of("FROM busybox\nADD --checksum=abc https://h/r.git?checksum=def /a\n"),
            "Dockerfile:2: checksum mismatch \"abc\" != \"def\"");
  EXPECT_EQ(error_of("FROM busybox\nADD https://h/r.git?colour=red /a\n"),
            "Dockerfile:2: Git URL `https://h/r.git?colour=red`: unexpected query `colour` (known: ref, branch, tag, "
            "checksum, commit, subdir, keep-git-dir, submodules)");
  EXPECT_EQ(error_of("FROM busybox\nCOPY git@example.com:r.git /r\n"),
            "Dockerfile:2: unsupported source \"git@example.com:r.git\" (only local paths, and for ADD http(s) and Git "
            "URLs, are supported)");
}

TEST(CopyFlags, ASyntaxDirectiveNamingAnotherFrontendWarnsOnce) {
  for (const char* ours : {"docker/dockerfile:1.7", "docker/dockerfile:1", "docker.io/docker/dockerfile:1.7-labs",
                           "docker/dockerfile-upstream:master", "docker/dockerfile@sha256:abc"})
    EXPECT_TRUE(names_docker_dockerfile(ours)) << ours;
  for (const char* other : {"tonistiigi/dockerfile:x", "example.com/docker/dockerfile:1", "docker/dockerfiles:1"})
    EXPECT_FALSE(names_docker_dockerfile(other)) << other;

  EXPECT_TRUE(lower_text("# syntax=docker/dockerfile:1.7\nFROM busybox\n").warnings.empty());
  const auto plan = lower_text("# syntax=tonistiigi/dockerfile:x\nFROM busybox\nRUN true\n");
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_EQ(plan.warnings[0],
            "Dockerfile:1: # syntax=tonistiigi/dockerfile:x is not run: gantry reads the Dockerfile with its "
            "built-in frontend, which follows docker/dockerfile:" + std::string(kDockerfileSyntaxVersion));
}

}  // namespace
}  // namespace gantry::frontend

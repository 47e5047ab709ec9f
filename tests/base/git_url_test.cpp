#include "base/git_url.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry {

namespace {

GitUrl parsed(std::string_view text, GitUrlUse use = GitUrlUse::Add) {
  auto url = parse_git_url(text, use);
  if (!url) throw std::runtime_error("not a Git URL: " + std::string(text));
  return *url;
}

std::string parse_error(std::string_view text) {
  try {
    parse_git_url(text, GitUrlUse::Add);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(parsed)";
}

}  // namespace

TEST(GitUrl, HttpsNeedsTheGitSuffix) {
  const GitUrl url = parsed("https://example.com/team/repo.git");
  EXPECT_EQ(url.remote, "https://example.com/team/repo.git");
  EXPECT_EQ(url.host, "example.com");
  EXPECT_TRUE(url.http);
  EXPECT_EQ(url.ref, "");
  EXPECT_EQ(url.subdir, "");
  EXPECT_FALSE(parse_git_url("https://example.com/team/repo", GitUrlUse::Add));
  EXPECT_FALSE(parse_git_url("https://example.com/file.tar.gz", GitUrlUse::Context));
  EXPECT_FALSE(parse_git_url("http://example.com/repo.git/archive.tar", GitUrlUse::Add));
  // A presigned download's query (or a malformed one) is the server's, not a Git URL's error.
  EXPECT_FALSE(parse_git_url("https://bucket.example.com/app.tar.gz?X-Amz-Signature=ab%2Fc&X-Amz-Expires=60",
                             GitUrlUse::Add));
  EXPECT_FALSE(parse_git_url("https://example.com/file.tar.gz?%zz#frag", GitUrlUse::Context));
}

TEST(GitUrl, TheFragmentIsRefThenSubdir) {
  const GitUrl url = parsed("https://example.com/repo.git#v1.2:docs/site");
  EXPECT_EQ(url.remote, "https://example.com/repo.git");
  EXPECT_EQ(url.ref, "v1.2");
  EXPECT_EQ(url.subdir, "docs/site");
  EXPECT_EQ(url.shown(), "https://example.com/repo.git#v1.2:docs/site");

  const GitUrl subdir_only = parsed("git://127.0.0.1:9418/repo#:sub");
  EXPECT_EQ(subdir_only.ref, "");
  EXPECT_EQ(subdir_only.subdir, "sub");
  EXPECT_EQ(subdir_only.host, "127.0.0.1:9418");
  EXPECT_FALSE(subdir_only.http);
}

TEST(GitUrl, GitAndSshSchemesNeedNoSuffix) {
  EXPECT_EQ(parsed("git://host/repo").remote, "git://host/repo");
  EXPECT_EQ(parsed("ssh://git@host:2222/srv/repo#main").remote, "ssh://git@host:2222/srv/repo");
  EXPECT_EQ(parsed("ssh://git@host:2222/srv/repo").host, "host:2222");
  EXPECT_EQ(parsed("GIT://host/repo").remote, "git://host/repo");
}

TEST(GitUrl, ScpLikeAddressesAreSsh) {
  const GitUrl url = parsed("git@github.com:moby/buildkit.git#v0.13:frontend");
  EXPECT_EQ(url.remote, "git@github.com:moby/buildkit.git");
  EXPECT_EQ(url.host, "github.com");
  EXPECT_EQ(url.ref, "v0.13");
  EXPECT_EQ(url.subdir, "frontend");
  EXPECT_FALSE(url.http);
  EXPECT_EQ(parsed("host.example:repo").remote, "host.example:repo");
}

TEST(GitUrl, PathsAndOtherSchemesAreNotGit) {
  for (const char* text : {"./repo.git", "../x.git", "src/app", "/abs/path.git", "ftp://host/repo.git",
                           "file:///srv/repo.git", "s3://bucket/x", "foo:/bar", "a b:c"})
    EXPECT_FALSE(parse_git_url(text, GitUrlUse::Add)) << text;
}

TEST(GitUrl, GithubShorthandIsAContextOnly) {
  EXPECT_FALSE(parse_git_url("github.com/docker/buildx", GitUrlUse::Add));
  const GitUrl url = parsed("github.com/docker/buildx#d4f088e", GitUrlUse::Context);
  EXPECT_EQ(url.remote, "https://github.com/docker/buildx");
  EXPECT_EQ(url.ref, "d4f088e");
}

TEST(GitUrl, TheQueryFormNamesRefsFully) {
  const GitUrl branch = parsed("https://h/repo.git?branch=main&subdir=docker");
  EXPECT_EQ(branch.remote, "https://h/repo.git");
  EXPECT_EQ(branch.ref, "refs/heads/main");
  EXPECT_EQ(branch.subdir, "docker");
  EXPECT_EQ(parsed("https://h/repo.git?tag=v1").ref, "refs/tags/v1");
  EXPECT_EQ(parsed("https://h/repo.git?ref=pull/42/head").ref, "pull/42/head");
  const GitUrl pinned = parsed("https://h/repo.git?commit=0123abcd");
  EXPECT_EQ(pinned.checksum, "0123abcd");
  EXPECT_EQ(pinned.ref, "0123abcd");
  const GitUrl flags = parsed("https://h/repo.git?keep-git-dir&submodules=false");
  EXPECT_EQ(flags.keep_git_dir, true);
  EXPECT_EQ(flags.submodules, false);
  EXPECT_EQ(parsed("https://h/repo.git?ref=refs%2Fheads%2Fmain").ref, "refs/heads/main");
  // The query and the fragment may say the same thing, not different things.
  EXPECT_EQ(parsed("https://h/repo.git?ref=main#main").ref, "main");
}

TEST(GitUrl, BadQueriesAreErrorsNamingTheUrl) {
  EXPECT_EQ(parse_error("https://h/repo.git?colour=red"),
            "Git URL `https://h/repo.git?colour=red`: unexpected query `colour` (known: ref, branch, tag, checksum, "
            "commit, subdir, keep-git-dir, submodules)");
  EXPECT_EQ(parse_error("https://h/repo.git?ref=a&ref=b"), "Git URL `https://h/repo.git?ref=a&ref=b`: query `ref` is given more than once");
  EXPECT_EQ(parse_error("https://h/repo.git?ref="), "Git URL `https://h/repo.git?ref=`: query `ref` has no value");
  EXPECT_EQ(parse_error("https://h/repo.git?tag=a&branch=b"), "Git URL `https://h/repo.git?tag=a&branch=b`: branch conflicts with tag");
  EXPECT_EQ(parse_error("https://h/repo.git?ref=a#b"), "Git URL `https://h/repo.git?ref=a#b`: ref conflicts: `b` vs `a`");
  EXPECT_EQ(parse_error("https://h/repo.git?keep-git-dir=maybe"),
            "Git URL `https://h/repo.git?keep-git-dir=maybe`: invalid keep-git-dir value `maybe`");
  EXPECT_NE(parse_error("https://h/repo.git##ref=main").find("`##key=value` fragment is not supported"), std::string::npos);
}

TEST(GitUrl, CredentialsAreNeverShown) {
  EXPECT_EQ(without_credentials("https://user:secret@h/repo.git"), "https://user:xxxxx@h/repo.git");
  EXPECT_EQ(without_credentials("ssh://git@h/repo"), "ssh://git@h/repo");
  EXPECT_EQ(parsed("https://user:secret@h/repo.git#main").shown(), "https://user:xxxxx@h/repo.git#main");
  EXPECT_EQ(parse_error("https://u:secret@h/repo.git?x=1").find("secret"), std::string::npos);
}

}  // namespace gantry

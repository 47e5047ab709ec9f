// Git repository URLs as BuildKit's Dockerfile frontend tells them from paths and file URLs, for
// a build context (`gantry build URL`) and for ADD's sources:
//   git://host/path, ssh://[user@]host/path      always Git
//   http(s)://host/path.git                       Git when the path ends in .git
//   [user@]host:path                              scp-like: ssh
//   github.com/user/repo                          a build context only: https://github.com/user/repo
// followed by `#ref:subdir` (either part may be empty) or the query form
// `?ref=|branch=|tag=|checksum=|commit=|subdir=|keep-git-dir=|submodules=` (Dockerfile 1.18).
// A ref is a branch, a tag, a full refs/... name or a full commit; empty means the remote's
// default branch.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gantry {

enum class GitUrlUse { Context, Add };

struct GitUrl {
  std::string remote;    // what git fetches: the URL without the fragment and query
  std::string host;      // "host" or "host:port", for credentials
  bool http = false;     // http:// or https://
  std::string ref;       // "" = the default branch
  std::string subdir;    // "" = the repository's root
  std::string checksum;  // hex prefix the resolved commit (or annotated tag) must have
  std::optional<bool> keep_git_dir, submodules;  // from the query form

  // The URL as the user would write it again, without credentials: messages and history.
  std::string shown() const;
};

// Whether `text` is a Git URL for `use`, parsed; nothing when it is not one (a path, a plain
// http(s) file). Throws UsageError naming the URL when it is a Git URL whose fragment or query
// is malformed (an unknown or repeated query key, a ref given twice differently, a tag and a
// branch, a bad boolean, a `##` fragment).
std::optional<GitUrl> parse_git_url(std::string_view text, GitUrlUse use);

// `url` with any user:password@ replaced by nothing: git's remote as messages may show it.
std::string without_credentials(std::string_view url);

}  // namespace gantry

// USER resolution the way BuildKit does it: from the image's own /etc/passwd and /etc/group,
// never the host's. "name", "uid", "name:group", "uid:gid" and mixes are accepted.
//
// Which groups the process gets (BuildKit >= 0.11, runc's rules):
//   USER name, USER uid      the passwd entry's gid, and every group that lists the name
//   USER name:group, uid:grp the given group only: the group is explicit, so memberships are not
//                            looked up
//   USER uid:gid             both numeric ("root" counts as 0): exactly that gid, without
//                            reading /etc/group at all
// The primary gid is always the first supplementary group too (CVE-2023-25173): a setgid
// program that changes the egid must not shed the primary group, whose mode bits may deny.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace gantry::executor {

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> supplementary_gids;  // the primary gid first, then memberships (see above)
  std::string home = "/";
};

// Resolves `user` against the text of passwd and group files. A numeric uid or gid that is
// not listed is used as is (gid 0 for an unlisted uid); an unknown name is an Error
// ("unknown user `bob`: no matching entry in /etc/passwd").
Identity resolve_user(std::string_view user, std::string_view passwd, std::string_view group);

// Same, reading the files from the container root (missing files count as empty).
Identity resolve_user_in_root(int root_fd, std::string_view user);

}  // namespace gantry::executor

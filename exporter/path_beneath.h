// Safe path work inside a directory that is being filled from an untrusted archive: every
// lookup is done with openat2(RESOLVE_BENEATH), so neither ../ nor a symlink (absolute, or
// climbing out) can take it outside the root, even one the archive itself just created.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/unique_fd.h"

namespace gantry::exporter {

// A member name made relative and canonical: "./a//b/" -> "a/b"; nullopt for the root itself.
// Throws Error "<label>: ..." for an absolute name or one with a ".." component.
std::optional<std::string> clean_member_name(std::string_view raw, const std::string& label);

// Splits "a/b/c" into {"a/b", "c"} and "c" into {"", "c"}.
std::pair<std::string, std::string> split_parent(const std::string& name);

// Opens directory `rel` ("" = the root) beneath `root_fd` for use with *at calls and f*xattr.
// With `create_missing`, missing components are made (0755, root-owned), as tar extraction does
// for parents an archive does not list. Throws Error "<label>: ..." naming `rel`.
UniqueFd open_dir_beneath(int root_fd, const std::string& rel, bool create_missing,
                          const std::string& label);

// Removes `name` in `dir_fd` whatever it is (a directory with its contents); no-op if absent.
void remove_entry_at(int dir_fd, const std::string& name, const std::string& label);

}  // namespace gantry::exporter

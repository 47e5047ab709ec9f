// What a step read from a local directory (the build context), entry by entry, kept beside the
// step's history so that a miss names the files that changed (`--explain-cache`, plain
// progress) instead of the directory the step copies.
//
// A listing has the form of ContextChecksummer::entries(): per entry, NUL-terminated, its
// context-relative path, mode, uid:gid, and the start of its content hash or its link target.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::solver {

// The entries of `entries` (ContextChecksummer::entries()) at or below one of the
// context-relative `paths` ("" is the whole directory), each once, sorted by path.
std::string listing_under(std::string_view entries, const std::vector<std::string>& paths);

// The paths added, removed or changed from `before` to `after`, the first `named` of them by
// name: "a.txt, src/b.c, src/c.c and 4 more"; "" when the listings hold the same entries.
std::string changed_paths(std::string_view before, std::string_view after, std::size_t named = 3);

}  // namespace gantry::solver

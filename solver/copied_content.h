// Early cut-off, as BuildKit's content-based cache keys do it: a file op that copies out of
// another step's result (COPY --from=stage) is also keyed on the content of what it copies, so
// that when that step re-runs and makes the same files (a comment edit recompiled to the same
// binary), the copy and the steps after it keep their cache records and the image stays the same.
//
// The inputs such an op only copies from are its content-keyed inputs. Its content key is its
// cache key with each of those inputs' keys replaced by copied_content(): the digest of the paths
// it reads there (path, type, mode, owner, link target and file content, never times, as for
// the build context). The solver records a step's result under its cache key and, when the two
// differ, under its content key; the steps after it are keyed over its content key.
#pragma once

#include <filesystem>
#include <vector>

#include "base/digest.h"
#include "cache/sqlite_db.h"
#include "llb/llb.h"

namespace gantry::solver {

// The indexes of the inputs of `node` that it only copies from and that are other steps'
// results (not sources, not scratch); empty for anything but a file op.
std::vector<int> content_keyed_inputs(const llb::Node& node);

// The digest of what the copies of file op `node` read from its input `index`, whose
// filesystem is mounted at `root`; source paths are resolved as the copies resolve them.
Digest copied_content(cache::Database& db, const llb::Node& node, int index,
                      const std::filesystem::path& root);

}  // namespace gantry::solver

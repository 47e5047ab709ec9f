// RUN --mount=type=bind of the build context shows what COPY sees, no more: the context is
// mounted as an overlay whose top lower layer is a mask made here, holding a whiteout (a 0/0
// character device) for every path the .dockerignore leaves out, inside copies (owner, mode,
// times) of the directories that hold them. Nothing is copied but those directories, so the
// mask of a big context is small and made with one stat walk.
#pragma once

#include <filesystem>

#include "cache/source_tree.h"

namespace gantry::solver {

// Fills the empty directory `mask` with the whiteouts for what `context`'s rules exclude. False
// when nothing is excluded: the mask is then not needed (and not fit: its root is not a copy).
bool write_exclusion_mask(const cache::SourceTree& context, const std::filesystem::path& mask);

}  // namespace gantry::solver

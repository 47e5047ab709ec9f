// Removes from the upper dir the mount points the container had to create (/proc, /etc/hosts,
// mount targets in an image that lacks them), so they do not end up in the layer. Runs after
// the container is gone, in the host's view of the upper dir.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "executor/path_in_root.h"

namespace gantry::executor {

// `added` is parents first. A directory the command has put files in, made opaque or changed
// the owner or mode of is kept, since that is part of the layer.
void remove_created_mount_points(const std::filesystem::path& upper_dir,
                                 const std::vector<AddedPath>& added);

}  // namespace gantry::executor

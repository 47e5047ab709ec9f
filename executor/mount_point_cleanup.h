// Removes from the upper dir the mount points the container had to create (/proc, /etc/hosts,
// mount targets in an image that lacks them), so they do not end up in the layer. Runs after
// the container is gone, in the host's view of the upper dir.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gantry::executor {

// `created` is relative to the root, parents first. A directory the command has put files in
// is kept, since its content is part of the layer.
void remove_created_mount_points(const std::filesystem::path& upper_dir,
                                 const std::vector<std::string>& created);

}  // namespace gantry::executor

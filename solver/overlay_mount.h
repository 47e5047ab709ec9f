// An overlay filesystem mounted in this process's (private) mount namespace for as long as the
// object lives: the merged view that file ops read and write.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "base/file_util.h"

namespace gantry::solver {

class OverlayMount {
 public:
  // lower_dirs top first; an empty upper_dir makes the mount read-only. With no lower dirs an
  // empty directory stands in (overlayfs needs one).
  OverlayMount(const std::filesystem::path& scratch_parent,
               const std::vector<std::filesystem::path>& lower_dirs,
               const std::filesystem::path& upper_dir = {},
               const std::filesystem::path& work_dir = {});
  ~OverlayMount();
  OverlayMount(const OverlayMount&) = delete;
  OverlayMount& operator=(const OverlayMount&) = delete;

  const std::filesystem::path& path() const { return mountpoint_.path(); }

 private:
  TempDir mountpoint_;
  std::optional<TempDir> empty_lower_;
};

}  // namespace gantry::solver

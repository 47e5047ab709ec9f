// Opens an oci-archive written by gantry the way a consumer would: unpacks it with umoci into
// a runtime bundle, and lists every layer's tar entries, so tests can check both the merged
// filesystem a container sees and the whiteouts each layer carries.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gantry::e2e {

struct UnpackedImage {
  std::filesystem::path rootfs;                   // umoci's merged root filesystem
  std::vector<std::vector<std::string>> layers;   // per layer, bottom first: entry names
                                                  // without "./" or a trailing "/"
};

// Unpacks `archive` (its first tagged manifest) under `work`; throws with the tool's output
// when tar or umoci fails.
UnpackedImage unpack_oci_archive(const std::filesystem::path& archive,
                                 const std::filesystem::path& work);

}  // namespace gantry::e2e

// The flattened file system of an image (--output type=local and type=tar): a chain of
// snapshot dirs in overlay form, top layer first, merged as overlayfs would show them (an upper
// file hides a lower one, a 0/0 character device deletes it, an opaque directory hides the
// lower directory's contents). No whiteouts appear in the result.
#pragma once

#include <filesystem>
#include <vector>

#include "exporter/output_file.h"

namespace gantry::exporter {

// Fills `dir`, an empty directory (an export's staging directory, renamed into place by the
// caller: cache/staging_beside.h), with the merged tree; `dir` gets mode 0755.
void fill_rootfs_dir(const std::vector<std::filesystem::path>& layers_top_first, const std::filesystem::path& dir);
// A plain pax tar of the merged tree, in the same deterministic form as a layer.
void write_rootfs_tar(const std::vector<std::filesystem::path>& layers_top_first, const OutputTarget& dest_tar);

}  // namespace gantry::exporter

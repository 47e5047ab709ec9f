// Extracts an opened tar into a directory in overlay form, safely (see path_beneath.h): the
// core of unpack_layer and import_rootfs.
#pragma once

#include <archive.h>

#include <filesystem>
#include <string>

namespace gantry::exporter {

// Reads every entry of `reader` into `dest_dir`. OCI whiteouts become 0/0 character devices and
// trusted.overlay.opaque=y; owners, modes, mtimes, hard links, devices, fifos and the layer
// xattrs are restored. Throws Error "<label>: ..." on a corrupt archive or an unsafe member;
// what was extracted so far stays (the caller cleans up).
void extract_tar(archive* reader, const std::filesystem::path& dest_dir, const std::string& label);

}  // namespace gantry::exporter

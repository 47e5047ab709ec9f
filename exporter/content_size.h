// A layer's content size: what docker's `images` and `history` SIZE columns show for it.
//
// dockerd (overlay2) measures a layer as the size of its diff directory once unpacked: the lstat
// size of every entry that is not a directory, each inode once. So a regular file counts its
// bytes (a hard link to it nothing more), a symlink the length of its target, and directories,
// whiteouts (0/0 character devices), devices and fifos count 0; tar headers and padding are not
// bytes of the layer at all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace gantry::exporter {

// The content size of an unpacked layer: a snapshot's directory in overlayfs form. Throws Error
// naming the path that cannot be read.
std::int64_t directory_content_size(const std::filesystem::path& dir);

// The same rule over the entries of a layer tar `blob` (plain, gzip or zstd), for a layer that is
// not unpacked. A path the tar holds twice counts twice (unpacked, the later entry replaces the
// first); layers hold each path once. Throws Error "<label>: ..." when the blob cannot be read.
std::int64_t tar_content_size(const std::filesystem::path& blob, const std::string& label);

}  // namespace gantry::exporter

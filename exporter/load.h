// `gantry load -i FILE`: a docker-archive or an oci-archive (plain or compressed) into the
// content store.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/digest.h"
#include "cache/content_store.h"
#include "cache/uncompressed_layers.h"

namespace gantry::exporter {

// Reads the archive in one pass, stores every blob (each verified against its digest: OCI
// blobs against their names, docker layers against the config's diff_ids), checks every OCI
// image's layers against its config's diff_ids (check_image_layers, recording in `known` what
// it read) and returns the (familiar name, manifest) pairs found (name "" for an untagged image)
// for the caller to tag.
// A docker-archive image gets a docker schema2 manifest over its config as it was, so its image
// id (the config digest) is kept. Throws Error naming the archive and the member or blob at
// fault; blobs already stored then are whole and verified, and nothing is tagged.
std::vector<std::pair<std::string, Digest>> load_archive(const std::filesystem::path& file,
                                                         const cache::ContentStore& store,
                                                         cache::UncompressedLayers& known);

}  // namespace gantry::exporter

// One blob from a registry into the content store, checked against its descriptor.
#pragma once

#include <cstdint>
#include <string>

#include "base/digest.h"
#include "cache/content_store.h"
#include "registry/layer_unpacker.h"
#include "registry/registry_client.h"

namespace gantry::registry {

struct Descriptor {
  Digest digest;
  std::int64_t size = 0;
};

// Streams the blob into the content store; the ingest verifies size and digest before the blob
// becomes visible, and removes its temp file when anything fails. With `unpack`, the same bytes
// are unpacked as they arrive; a blob that is not what its descriptor says is reported as that
// first, whatever its unpack made of it. Returns what the unpack read (nothing without one).
std::optional<cache::UncompressedLayer> download_blob(RegistryClient& client, const cache::ContentStore& content,
                                                      const std::string& repository, const Descriptor& blob,
                                                      LayerUnpack* unpack = nullptr);

}  // namespace gantry::registry

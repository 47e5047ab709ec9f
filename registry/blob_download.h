// One blob from a registry into the content store, checked against its descriptor.
#pragma once

#include <cstdint>
#include <string>

#include "base/digest.h"
#include "cache/content_store.h"
#include "registry/layer_unpacker.h"
#include "registry/registry_client.h"
#include "registry/transfer_progress.h"

namespace gantry::registry {

struct Descriptor {
  Digest digest;
  std::int64_t size = 0;
};

// Streams the blob into the content store; the ingest verifies size and digest before the blob
// becomes visible, and removes its temp file when anything fails. Holds the blob's lock
// (ContentStore::lock_blob) meanwhile: returns false, having fetched nothing, when another
// process or thread stored the blob while this one waited for it. With `unpack`, the same bytes
// are unpacked as they arrive; a blob that is not what its descriptor says is reported as that
// first, whatever its unpack made of it. With `progress`, the blob is a layer told of as it
// starts, as its bytes arrive, and once it is stored.
bool download_blob(RegistryClient& client, const cache::ContentStore& content, const std::string& repository,
                   const Descriptor& blob, LayerUnpack* unpack = nullptr, TransferProgress* progress = nullptr);

}  // namespace gantry::registry

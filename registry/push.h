// Push: an image of the local store to a registry, the way `gantry push` and
// `gantry build --push` publish it.
//
// Blobs first (config and layers, in parallel): a HEAD skips those the repository has, a
// cross-repository mount links those another repository of the registry holds, the rest are
// uploaded in one PUT or in chunks. The manifest is put last, so the tag never names an image
// whose blobs are not all there.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/digest.h"
#include "base/image_ref.h"
#include "cache/store.h"
#include "registry/credentials.h"
#include "registry/registry_options.h"
#include "registry/transfer_progress.h"

namespace gantry::registry {

struct PushOptions {
  std::int64_t chunk_size = 0;  // bytes per PATCH; 0 uploads each blob in one PUT
};

// What became of one blob: uploaded, linked from another repository of the registry, or
// found there already.
struct PushedBlob {
  enum class How { Uploaded, Mounted, Present } how = How::Uploaded;
  std::string mounted_from;  // the repository, for Mounted
};

struct PushReport {
  Digest manifest;
  int blobs_uploaded = 0;
  int blobs_mounted = 0;
  int blobs_present = 0;  // the registry had them
  std::map<Digest, PushedBlob> blobs;  // every blob of the image
};

// Pushes the image whose manifest is `manifest` to `destination` (its tag, or its digest when
// it has no tag). Throws Error "push <image>: <what failed>" naming the blob at fault. With
// `progress`, the layers are told of as each is found, mounted or uploaded (transfer_progress.h).
PushReport push_image(cache::Store& store, const Digest& manifest, const ImageRef& destination,
                      const RegistryOptions& options, const CredentialStore& credentials,
                      const PushOptions& push = {}, TransferProgress* progress = nullptr);

}  // namespace gantry::registry

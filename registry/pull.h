// Pull: an image from a registry into the local store, the way `FROM reg/app:1` and
// `gantry pull` get it.
//
// The manifest is fetched by tag or digest (an index or manifest list is resolved to the
// manifest `platform` runs best, as containerd picks it: base/platform.h), then the config, then
// the layers (in parallel, skipping blobs the store already has), each through a content-store
// ingest that checks its digest, and each unpacked as it arrives when an unpacker is given; the
// manifest goes in last and only then is the name set, with the registry's digest of the image
// (the index's, for an index) as the digest of the name's repository (docker's RepoDigests). A
// failure therefore leaves no name and no partial blob.
//
// With mirrors configured for the image's registry (RegistryOptions::mirrors), each mirror is
// tried in order and the registry itself last: a mirror that cannot be reached, lacks the image
// or fails (any error, a bad blob included) passes the pull on to the next source. Blobs a
// failed source did deliver were verified and are kept.
#pragma once

#include <string>
#include <vector>

#include "base/digest.h"
#include "base/image_ref.h"
#include "base/platform.h"
#include "cache/store.h"
#include "registry/credentials.h"
#include "registry/layer_unpacker.h"
#include "registry/registry_options.h"
#include "registry/transfer_progress.h"

namespace gantry::registry {

// A layer of the image pulled, in the manifest's order: downloaded, or already in the store.
struct PulledLayer {
  Digest digest;  // the blob's, as the manifest names it
  bool downloaded = false;
};

struct PullReport {
  Digest manifest;           // the platform manifest, what the local name points to
  Digest registry_digest;    // what the registry knows the image by: the index's digest for an index
  int blobs_downloaded = 0;  // config and layers fetched
  int blobs_present = 0;     // already in the store
  std::string source;        // the host the image came from: a mirror or the registry
  std::vector<std::string> mirror_failures;  // "<mirror>: <why>" for each mirror passed over
  std::vector<PulledLayer> layers;
};

// Throws Error "pull <image>: <what failed>" naming the blob at fault, or the platforms an
// index has when `platform` runs none of them. With `unpacker`, each layer downloaded is
// unpacked as it arrives (layer_unpacker.h). With `progress`, the layers are told of as they
// download (transfer_progress.h); a source that fails part way may have told of some already.
PullReport pull_image(cache::Store& store, const ImageRef& image, const RegistryOptions& options,
                      const CredentialStore& credentials, const Platform& platform,
                      LayerUnpacker* unpacker = nullptr, TransferProgress* progress = nullptr);

}  // namespace gantry::registry

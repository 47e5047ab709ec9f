// Pull: an image from a registry into the local store, the way `FROM reg/app:1` and
// `gantry pull` get it.
//
// The manifest is fetched by tag or digest (an index or manifest list is resolved to the
// platform's manifest), then the config and the layers (in parallel, skipping blobs the store
// already has), each through a content-store ingest that checks its digest; the manifest goes in
// last and only then is the name set. A failure therefore leaves no name and no partial blob.
#pragma once

#include <string>

#include "base/digest.h"
#include "base/image_ref.h"
#include "cache/store.h"
#include "registry/credentials.h"
#include "registry/registry_options.h"

namespace gantry::registry {

struct PullReport {
  Digest manifest;           // the platform manifest, what the local name points to
  int blobs_downloaded = 0;  // config and layers fetched
  int blobs_present = 0;     // already in the store
};

// Throws Error "pull <image>: <what failed>" naming the blob at fault.
PullReport pull_image(cache::Store& store, const ImageRef& image, const RegistryOptions& options,
                      const CredentialStore& credentials, const std::string& platform = "linux/amd64");

}  // namespace gantry::registry

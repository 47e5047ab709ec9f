// Images to and from registries: `gantry pull` and `gantry push`, and FROM's image lookup when
// registries are in play: the local store first, and a pull when the image is missing and its
// reference names a registry ("127.0.0.1:5000/team/app:1"), or always with --pull. Names
// without a registry stay local-only, so an offline build never reaches out.
#pragma once

#include <string>

#include "base/image_ref.h"
#include "cache/store.h"
#include "engine/messages.h"
#include "engine/registry_access.h"
#include "frontend/dockerfile/frontend.h"
#include "registry/pull.h"
#include "registry/push.h"

namespace gantry::engine {

// "host:port/x", "registry.example/x", "localhost/x" name a registry; "busybox", "team/app" do not.
bool names_registry(const std::string& reference);

// Says what a pull did: a warning "mirror HOST: ..." for each mirror passed over, then
// "pulled NAME [from mirror HOST] (N blobs downloaded, M already present)".
void report_pull(const ImageRef& image, const registry::PullReport& report, Messages& messages);

// Pulls `image` (the manifest `platform` picks from an index; empty: the host's platform) and
// says what the pull did. Throws UsageError naming `platform` when it is no platform.
registry::PullReport pull_image(cache::Store& store, const ImageRef& image, const RegistryAccess& registry,
                                const std::string& platform, Messages& messages);

// Pushes the local image `source` names as `destination` (`source` when empty), its layers gzip-compressed as docker
// push sends them (the store keeps built ones plain), and says what the push did. Throws Error
// naming `source` when the store lacks it.
registry::PushReport push_image(cache::Store& store, const std::string& source, const std::string& destination,
                                const RegistryAccess& registry, const registry::PushOptions& push,
                                Messages& messages);

frontend::ImageInfo resolve_or_pull_image(cache::Store& store, const std::string& reference,
                                          const RegistryAccess& registry, bool always_pull, Messages& messages);

}  // namespace gantry::engine

// Images to and from registries: `gantry pull` and `gantry push`, and the lookup of the images a
// build (FROM, COPY --from, RUN --mount=from) or `gantry run` uses: the local store, and a pull
// when the pull policy says so (pull_policy.h): by default an image the store lacks is pulled
// whatever its name ("busybox" from docker.io or its mirrors), and --pull=never keeps a build
// offline.
#pragma once

#include <optional>
#include <string>

#include "base/image_ref.h"
#include "cache/store.h"
#include "engine/messages.h"
#include "engine/pull_policy.h"
#include "engine/registry_access.h"
#include "frontend/dockerfile/frontend.h"
#include "registry/pull.h"
#include "registry/push.h"

namespace gantry::engine {

// Says what a pull did: a warning "mirror HOST: ..." for each mirror passed over, then
// "pulled NAME [from mirror HOST] (N blobs downloaded, M already present)".
void report_pull(const ImageRef& image, const registry::PullReport& report, Messages& messages);

// Pulls `image` (the manifest `platform` picks from an index; empty: the host's platform) and
// says what the pull did. Throws UsageError naming `platform` when it is no platform. With
// `progress`, its layers are told of as they download (registry/transfer_progress.h).
registry::PullReport pull_image(cache::Store& store, const ImageRef& image, const RegistryAccess& registry,
                                const std::string& platform, Messages& messages,
                                registry::TransferProgress* progress = nullptr);

// Pushes the local image `source` names as `destination` (`source` when empty), its layers gzip-compressed as docker
// push sends them (the store keeps built ones plain), and says what the push did. Throws Error
// naming `source` when the store lacks it. With `progress`, the layers (as pushed: compressed)
// are told of as each is found, mounted or uploaded.
registry::PushReport push_image(cache::Store& store, const std::string& source, const std::string& destination,
                                const RegistryAccess& registry, const registry::PushOptions& push,
                                Messages& messages, registry::TransferProgress* progress = nullptr);

// The image a build names (FROM, COPY --from=IMAGE, RUN --mount=from=IMAGE) for `platform`,
// pulled first as `policy` says; an image the store has for another platform only counts as
// missing. Throws Error naming the image: for a pull that failed (with the registry and the
// mirrors tried), or for an image the store lacks under PullPolicy::Never.
frontend::ImageInfo resolve_or_pull_image(cache::Store& store, const std::string& reference,
                                          const RegistryAccess& registry, PullPolicy policy, const Platform& platform,
                                          Messages& messages);

// The manifest of the image `gantry run` names (a name, or an image id or its prefix as
// find_image takes them), pulled first as `policy` says when it is a name: with a `platform`,
// for it (an image of another platform counts as missing); without, for the host, any image
// the store has doing.
Digest find_or_pull_image(cache::Store& store, const std::string& reference, const RegistryAccess& registry,
                          PullPolicy policy, const std::optional<Platform>& platform, Messages& messages);

}  // namespace gantry::engine

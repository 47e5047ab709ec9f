// FROM's image lookup when registries are in play: the local store first, and a pull when the
// image is missing and its reference names a registry ("127.0.0.1:5000/team/app:1"), or always
// with --pull. Names without a registry stay local-only, so an offline build never reaches out.
#pragma once

#include <string>

#include "cache/store.h"
#include "base/image_ref.h"
#include "frontend/dockerfile/frontend.h"
#include "registry/pull.h"
#include "registry/registry_options.h"

namespace gantry::cli {

// "host:port/x", "registry.example/x", "localhost/x" name a registry; "busybox", "team/app" do not.
bool names_registry(const std::string& reference);

// What a pull did, for stderr: "pulled NAME [from mirror HOST] (N blobs downloaded, M already
// present)", after a "WARNING: mirror HOST: ..." line for each mirror passed over.
std::string describe_pull(const ImageRef& image, const registry::PullReport& report);

frontend::ImageInfo resolve_or_pull_image(cache::Store& store, const std::string& reference,
                                          const registry::RegistryOptions& options, bool always_pull);

}  // namespace gantry::cli

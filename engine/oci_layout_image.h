// --build-context NAME=oci-layout://PATH[:TAG][@sha256:DIGEST]: an image in an OCI image layout
// directory on disk (what `gantry build -o type=oci,tar=false` writes), as buildx takes one.
// Its manifest is the one index.json lists under TAG (its org.opencontainers.image.ref.name,
// default "latest"), or the only one it lists, unless DIGEST names it. The blobs the build
// needs (the index or manifest, the config, the layers of the host's platform) are copied into
// the content store, each verified against its digest and the layers against the config's
// diff_ids, so that the build uses the image as any image of the store. Nothing is named.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/digest.h"
#include "cache/store.h"
#include "frontend/dockerfile/frontend.h"

namespace gantry::engine {

struct OciLayoutRef {
  std::filesystem::path dir;
  std::string tag = "latest";
  std::optional<Digest> digest;
};

// Parses PATH[:TAG][@sha256:DIGEST] (what follows oci-layout://), cut as buildx cuts it: at the
// first '@', then at the first ':'. Throws UsageError naming `text` for a bad digest or an
// empty path.
OciLayoutRef parse_oci_layout_ref(const std::string& text);

// The image, as the frontend knows it by `name` (its ref in the build graph and progress).
// Throws Error naming the layout and what is wrong with it.
frontend::ImageInfo import_oci_layout_image(cache::Store& store, const OciLayoutRef& layout,
                                            const std::string& name);

}  // namespace gantry::engine

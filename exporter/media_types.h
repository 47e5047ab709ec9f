// The media types of OCI and docker schema2 images, and the mapping between layer media types
// and their compression.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "exporter/layer.h"

namespace gantry::exporter::media_types {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";

inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";

// The most bytes a manifest or an image index may have: what registries accept (the distribution
// registry refuses bigger ones), far more than any real one needs. A bigger one is refused as too
// large before it is read into memory.
inline constexpr std::int64_t kMaxManifestBytes = 4 << 20;

// The layer media type for a compression in the OCI or docker family. Throws UsageError for
// zstd in the docker family, which has no such type.
std::string layer_type(Compression compression, bool oci);
// The compression a layer media type names; throws Error naming the type when it is not a layer.
Compression layer_compression(std::string_view media_type);
bool is_index(std::string_view media_type);
bool is_manifest(std::string_view media_type);

}  // namespace gantry::exporter::media_types

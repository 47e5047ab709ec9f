#include "exporter/media_types.h"

#include "base/error.h"

namespace gantry::exporter::media_types {

std::string layer_type(Compression compression, bool oci) {
  switch (compression) {
    case Compression::Gzip:
      return std::string(oci ? kOciLayerGzip : kDockerLayerGzip);
    case Compression::Uncompressed:
      return std::string(oci ? kOciLayer : kDockerLayer);
    case Compression::Zstd:
      if (!oci)
        throw UsageError(
            "compression=zstd: docker media types have no zstd layer type (use oci-mediatypes=true)");
      return std::string(kOciLayerZstd);
  }
  throw Error("unknown compression");
}

Compression layer_compression(std::string_view media_type) {
  // The "nondistributable" variants differ only in the middle word; the suffix decides.
  auto ends_with = [&](std::string_view suffix) { return media_type.ends_with(suffix); };
  if (ends_with("tar+gzip") || ends_with("tar.gzip")) return Compression::Gzip;
  if (ends_with("tar+zstd") || ends_with("tar.zstd")) return Compression::Zstd;
  if (ends_with(".tar") || ends_with("diff.tar")) return Compression::Uncompressed;
  throw Error("media type `" + std::string(media_type) + "`: not a layer media type");
}

bool is_index(std::string_view media_type) {
  return media_type == kOciIndex || media_type == kDockerManifestList;
}

bool is_manifest(std::string_view media_type) {
  return media_type == kOciManifest || media_type == kDockerManifest;
}

}  // namespace gantry::exporter::media_types

// Images: a config blob and a manifest blob in the content store, pointing at layer blobs.
//
// write_image is the last step of a build: the frontend's config plus the packed layers become
// a config and a manifest (OCI, or docker schema2 for oci-mediatypes=false); the manifest digest
// is the image's name in the store. read_image is the way back, for FROM, inspect, history and
// save. Both are pure functions of the blobs: the same inputs give the same digests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/platform.h"
#include "cache/content_store.h"
#include "exporter/layer.h"

namespace gantry::exporter {

struct ImageRecord {
  Digest manifest;
  Digest config;
  std::int64_t size = 0;  // size of the manifest blob (what a descriptor of it carries)
};

// `config` is the OCI image config from the frontend (architecture, os, config, history; no
// rootfs or created). Sets rootfs {"type":"layers","diff_ids":[...]} from `layers`, "created"
// from `created` (unix seconds, written RFC 3339 UTC), the same "created" on history entries
// that have none, and os/architecture to the host's when missing. Layer media types are
// converted to the chosen family (a docker gzip layer in an OCI manifest becomes OCI gzip).
// `annotations` become the manifest's "annotations" (OCI media types only).
// Throws UsageError for a zstd layer with docker media types, or annotations with them.
ImageRecord write_image(const cache::ContentStore& store, nlohmann::json config,
                        const std::vector<LayerBlob>& layers, std::int64_t created,
                        bool oci_media_types = true, const std::map<std::string, std::string>& annotations = {});

struct ImageView {
  Digest manifest;
  nlohmann::json manifest_json;
  Digest config;
  nlohmann::json config_json;
};

// Reads a manifest and its config back. An image index (or an index of indexes, a few deep) is
// resolved to its manifest for the host's platform. Throws Error naming the digest when a blob
// is missing, is not a JSON object, or is not a manifest.
ImageView read_image(const cache::ContentStore& store, const Digest& manifest);
// The same, an index resolved to the manifest for `platform` (still the first one when it has
// none for it: the caller compares the config's platform with the one it wanted).
ImageView read_image(const cache::ContentStore& store, const Digest& manifest, const Platform& platform);

// "2024-01-02T03:04:05Z" for unix seconds, the form OCI configs use.
std::string rfc3339_utc(std::int64_t unix_seconds);

}  // namespace gantry::exporter

#include "exporter/image.h"

#include <ctime>
#include <string>

#include "base/error.h"
#include "base/platform.h"
#include "exporter/json_fields.h"
#include "exporter/media_types.h"

namespace gantry::exporter {

using nlohmann::json;

namespace {

json descriptor(std::string_view media_type, const Digest& digest, std::int64_t size) {
  return {{"mediaType", media_type}, {"digest", digest.str()}, {"size", size}};
}

json parse_blob(const cache::ContentStore& store, const Digest& digest, const char* what) {
  return parse_json(store.read(digest), std::string(what) + " " + digest.str());
}

// From an index, the manifest `platform` runs best (base/platform.h; the first one when it runs
// none).
Digest pick_platform_manifest(const json& index, const Digest& index_digest, const Platform& platform) {
  const auto manifests = index.find("manifests");
  if (manifests == index.end() || !manifests->is_array())
    throw Error("image index " + index_digest.str() + ": lists no manifests");
  auto chosen = PlatformMatcher(platform).best(index_platforms(index));
  for (std::size_t i = 0; !chosen && i < manifests->size(); ++i)
    if ((*manifests)[i].is_object()) chosen = i;
  if (!chosen) throw Error("image index " + index_digest.str() + ": lists no manifests");
  return Digest::parse(string_member((*manifests)[*chosen], "digest"));
}

// An index may name another index (a multi-platform image inside an OCI layout's index); more
// than this many in a row is not an image but a trap.
constexpr int kMaxIndexDepth = 8;

ImageView read_image_at(const cache::ContentStore& store, const Digest& manifest, const Platform& platform,
                        int depth) {
  if (store.has(manifest))
    if (const std::int64_t size = store.size(manifest); size > media_types::kMaxManifestBytes)
      throw Error("manifest " + manifest.str() + ": too large (" + std::to_string(size) +
                  " bytes; a manifest may have at most " + std::to_string(media_types::kMaxManifestBytes) + ")");
  ImageView view{.manifest = manifest, .manifest_json = parse_blob(store, manifest, "manifest")};
  if (!view.manifest_json.is_object()) throw Error("manifest " + manifest.str() + ": not a JSON object");
  const std::string media_type = string_member(view.manifest_json, "mediaType");
  if (media_types::is_index(media_type) || (media_type.empty() && view.manifest_json.contains("manifests"))) {
    if (depth == kMaxIndexDepth)
      throw Error("image index " + manifest.str() + ": indexes nested more than " + std::to_string(kMaxIndexDepth) +
                  " deep");
    return read_image_at(store, pick_platform_manifest(view.manifest_json, manifest, platform), platform, depth + 1);
  }
  const auto config = view.manifest_json.find("config");
  if (!view.manifest_json.contains("layers") || config == view.manifest_json.end() || !config->is_object() ||
      string_member(*config, "digest").empty())
    throw Error("manifest " + manifest.str() + ": not an image manifest (media type `" + media_type + "`)");
  view.config = Digest::parse(string_member(*config, "digest"));
  view.config_json = parse_blob(store, view.config, "image config");
  if (!view.config_json.is_object()) throw Error("image config " + view.config.str() + ": not a JSON object");
  return view;
}

}  // namespace

std::string rfc3339_utc(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

ImageRecord write_image(const cache::ContentStore& store, json config, const std::vector<LayerBlob>& layers,
                        std::int64_t created, bool oci_media_types,
                        const std::map<std::string, std::string>& annotations) {
  if (!config.is_object()) throw Error("image config: not a JSON object");
  if (!annotations.empty() && !oci_media_types)
    throw UsageError("annotation `" + annotations.begin()->first +
                     "`: a manifest with docker media types takes no annotations");
  if (!config.contains("architecture")) config["architecture"] = host_platform().architecture;
  if (!config.contains("os")) config["os"] = "linux";
  const std::string created_text = rfc3339_utc(created);
  config["created"] = created_text;
  json diff_ids = json::array();
  json layer_descriptors = json::array();
  for (const LayerBlob& layer : layers) {
    diff_ids.push_back(layer.diff_id.str());
    const std::string media_type =
        media_types::layer_type(media_types::layer_compression(layer.media_type), oci_media_types);
    layer_descriptors.push_back(descriptor(media_type, layer.digest, layer.size));
  }
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  if (config.contains("history") && config["history"].is_array())
    for (json& entry : config["history"])
      if (entry.is_object() && !entry.contains("created")) entry["created"] = created_text;

  // nlohmann::json keeps object keys sorted, so dump() is a canonical form.
  const std::string config_bytes = config.dump();
  const Digest config_digest = store.put(config_bytes);
  json manifest = {
      {"schemaVersion", 2},
      {"mediaType", oci_media_types ? media_types::kOciManifest : media_types::kDockerManifest},
      {"config", descriptor(oci_media_types ? media_types::kOciConfig : media_types::kDockerConfig,
                            config_digest, static_cast<std::int64_t>(config_bytes.size()))},
      {"layers", layer_descriptors}};
  if (!annotations.empty()) manifest["annotations"] = annotations;
  const std::string manifest_bytes = manifest.dump();
  return {.manifest = store.put(manifest_bytes),
          .config = config_digest,
          .size = static_cast<std::int64_t>(manifest_bytes.size())};
}

ImageView read_image(const cache::ContentStore& store, const Digest& manifest) {
  return read_image_at(store, manifest, host_platform(), 0);
}

ImageView read_image(const cache::ContentStore& store, const Digest& manifest, const Platform& platform) {
  return read_image_at(store, manifest, platform, 0);
}

}  // namespace gantry::exporter

#include "exporter/image.h"

#include <sys/utsname.h>

#include <ctime>
#include <string>

#include "base/error.h"
#include "exporter/media_types.h"

namespace gantry::exporter {

using nlohmann::json;

namespace {

// The GOARCH spelling that image configs use.
std::string host_architecture() {
  struct utsname u;
  ::uname(&u);
  const std::string machine = u.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine.starts_with("armv")) return "arm";
  if (machine == "i686" || machine == "i386") return "386";
  return machine;  // ppc64le, s390x and riscv64 are spelled the same
}

json descriptor(std::string_view media_type, const Digest& digest, std::int64_t size) {
  return {{"mediaType", media_type}, {"digest", digest.str()}, {"size", size}};
}

json parse_blob(const cache::ContentStore& store, const Digest& digest, const char* what) {
  try {
    return json::parse(store.read(digest));
  } catch (const json::exception& e) {
    throw Error(std::string(what) + " " + digest.str() + ": not valid JSON: " + e.what());
  }
}

// From an index, the manifest for the host's platform (the first one when none matches).
Digest pick_platform_manifest(const json& index, const Digest& index_digest) {
  const json* chosen = nullptr;
  for (const json& m : index.value("manifests", json::array())) {
    if (!chosen) chosen = &m;
    const json platform = m.value("platform", json::object());
    if (platform.value("os", "") == "linux" && platform.value("architecture", "") == host_architecture()) {
      chosen = &m;
      break;
    }
  }
  if (!chosen) throw Error("image index " + index_digest.str() + ": lists no manifests");
  return Digest::parse(chosen->value("digest", ""));
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
                        std::int64_t created, bool oci_media_types) {
  if (!config.is_object()) throw Error("image config: not a JSON object");
  if (!config.contains("architecture")) config["architecture"] = host_architecture();
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
  const json manifest = {
      {"schemaVersion", 2},
      {"mediaType", oci_media_types ? media_types::kOciManifest : media_types::kDockerManifest},
      {"config", descriptor(oci_media_types ? media_types::kOciConfig : media_types::kDockerConfig,
                            config_digest, static_cast<std::int64_t>(config_bytes.size()))},
      {"layers", layer_descriptors}};
  const std::string manifest_bytes = manifest.dump();
  return {.manifest = store.put(manifest_bytes),
          .config = config_digest,
          .size = static_cast<std::int64_t>(manifest_bytes.size())};
}

ImageView read_image(const cache::ContentStore& store, const Digest& manifest) {
  ImageView view{.manifest = manifest, .manifest_json = parse_blob(store, manifest, "manifest")};
  const std::string media_type = view.manifest_json.value("mediaType", "");
  if (media_types::is_index(media_type) ||
      (media_type.empty() && view.manifest_json.contains("manifests")))
    return read_image(store, pick_platform_manifest(view.manifest_json, manifest));
  const json& config = view.manifest_json.value("config", json::object());
  if (!view.manifest_json.contains("layers") || !config.contains("digest"))
    throw Error("manifest " + manifest.str() + ": not an image manifest (media type `" + media_type + "`)");
  view.config = Digest::parse(config["digest"].get<std::string>());
  view.config_json = parse_blob(store, view.config, "image config");
  return view;
}

}  // namespace gantry::exporter

#include "engine/image_inspect.h"

#include <cstdint>

#include "engine/docker_image_config.h"
#include "engine/local_images.h"
#include "exporter/image.h"
#include "exporter/json_fields.h"

namespace gantry::engine {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";  // Go's zero time.Time, as JSON

// docker's Comment: the config's own, else the last history entry's.
std::string comment_of(const json& config) {
  if (std::string own = exporter::string_member(config, "comment"); !own.empty()) return own;
  const json history = exporter::array_member(config, "history");
  return history.empty() ? "" : exporter::string_member(history.back(), "comment");
}

// The OCI descriptor of what the name points to: the manifest `view` read, or an index.
ordered_json descriptor_of(cache::Store& store, const Digest& target, const exporter::ImageView& view) {
  const json blob = target == view.manifest ? view.manifest_json
                                            : json::parse(store.content().read(target), nullptr, false);
  std::string media_type = exporter::string_member(blob, "mediaType");
  if (media_type.empty()) media_type = "application/vnd.oci.image.manifest.v1+json";
  ordered_json out = ordered_json::object();
  out["mediaType"] = media_type;
  out["digest"] = target.str();
  out["size"] = store.content().size(target);
  return out;
}

}  // namespace

const ordered_json& inspect_zero_values() {
  static const ordered_json zeros = ordered_json::parse(R"({
    "Created": "", "Variant": "", "OsVersion": "",
    "Config": {"User": "", "ExposedPorts": {}, "Env": [], "Entrypoint": [], "Cmd": [], "Volumes": {},
               "WorkingDir": "", "Labels": {}, "StopSignal": "", "ArgsEscaped": false, "OnBuild": [], "Shell": []},
    "GraphDriver": {"Data": {}},
    "RootFS": {"Type": "", "Layers": []}})");
  return zeros;
}

std::string go_rfc3339_nano(const std::string& created) {
  // "YYYY-MM-DDTHH:MM:SS" then an optional ".digits", then the zone.
  if (created.size() < 20 || created[10] != 'T' || created[19] != '.') return created;
  std::size_t end = 20;
  while (end < created.size() && created[end] >= '0' && created[end] <= '9') ++end;
  std::size_t last = end;
  while (last > 20 && created[last - 1] == '0') --last;
  const std::string fraction = last > 20 ? created.substr(19, last - 19) : "";
  return created.substr(0, 19) + fraction + created.substr(end);
}

ordered_json inspect_image(cache::Store& store, const std::string& ref) {
  const Digest target = find_image(store, ref);
  const exporter::ImageView view = exporter::read_image(store.content(), target);
  const json& config = view.config_json;

  ordered_json tags = ordered_json::array();
  std::int64_t last_tagged = 0;
  for (const auto& entry : store.images().names_of(target)) {
    tags.push_back(entry.name);
    last_tagged = std::max(last_tagged, entry.updated);
  }
  ordered_json digests = ordered_json::array();
  for (const auto& digest : store.images().repo_digests(target)) digests.push_back(digest.str());
  ordered_json layers = ordered_json::array();
  // The config comes from whoever made the image: a field of the wrong type reads as absent.
  const json rootfs = exporter::object_member(config, "rootfs");
  for (const auto& diff_id : exporter::array_member(rootfs, "diff_ids"))
    if (diff_id.is_string()) layers.push_back(ordered_json(diff_id));

  ordered_json out = ordered_json::object();
  out["Id"] = view.config.str();
  out["RepoTags"] = tags;
  out["RepoDigests"] = digests;
  out["Parent"] = exporter::string_member(config, "parent");
  out["Comment"] = comment_of(config);
  if (config.contains("created") && config.at("created").is_string())
    out["Created"] = go_rfc3339_nano(config.at("created").get<std::string>());
  out["DockerVersion"] = exporter::string_member(config, "docker_version");
  out["Author"] = exporter::string_member(config, "author");
  out["Config"] = docker_image_config(config.contains("config") ? config.at("config") : json());
  out["Architecture"] = exporter::string_member(config, "architecture");
  if (const std::string variant = exporter::string_member(config, "variant"); !variant.empty())
    out["Variant"] = variant;
  out["Os"] = exporter::string_member(config, "os");
  if (const std::string version = exporter::string_member(config, "os.version"); !version.empty())
    out["OsVersion"] = version;
  out["Size"] = image_size(store, view);
  out["GraphDriver"] = ordered_json{{"Data", nullptr}, {"Name", "overlayfs"}};
  ordered_json rootfs_out = ordered_json::object();
  if (const std::string type = exporter::string_member(rootfs, "type"); !type.empty()) rootfs_out["Type"] = type;
  if (!layers.empty()) rootfs_out["Layers"] = layers;
  out["RootFS"] = rootfs_out;
  out["Metadata"] = ordered_json{{"LastTagTime", last_tagged ? exporter::rfc3339_utc(last_tagged) : kZeroTime}};
  out["Descriptor"] = descriptor_of(store, target, view);
  return out;
}

}  // namespace gantry::engine

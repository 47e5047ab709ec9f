// One pass over the archive: every member is stored or kept as it streams by, then the
// archive's own index (index.json or manifest.json) says what the images are.
#include "exporter/load.h"

#include <map>
#include <optional>

#include "base/error.h"
#include "base/image_ref.h"
#include "exporter/image.h"
#include "exporter/json_fields.h"
#include "exporter/layer_check.h"
#include "exporter/libarchive_handle.h"
#include "exporter/media_types.h"
#include "exporter/path_beneath.h"

namespace gantry::exporter {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kBlobPrefix = "blobs/sha256/";

// The small JSON members docker-archive and OCI layouts are described by.
bool is_metadata(const std::string& name) {
  return name.ends_with(".json") || name == "oci-layout" || name == "repositories" || name.ends_with("/VERSION");
}

struct ArchiveContents {
  std::map<std::string, std::string> metadata;  // name -> bytes
  std::map<std::string, Digest> stored;         // other members -> digest of what was stored
};

ArchiveContents read_members(const fs::path& file, const cache::ContentStore& store, const std::string& label) {
  ArchiveReader reader = open_tar_reader(file, label);
  ArchiveContents contents;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(reader.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) throw Error(label + ": " + archive_message(reader.get()));
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* raw = archive_entry_pathname(entry);
    const std::optional<std::string> name = clean_member_name(raw ? raw : "", label);
    if (!name) continue;

    std::optional<Digest> expected;
    if (name->starts_with(kBlobPrefix)) {
      try {
        expected = Digest::from_hex(name->substr(kBlobPrefix.size()));
      } catch (const Error&) {
        throw Error(label + ": member `" + *name + "` is not named by its digest");
      }
    }
    // A member too big to be metadata is a blob (a docker-archive config may be either); the
    // archive's own index must be small, like any manifest.
    const bool small = archive_entry_size(entry) <= media_types::kMaxManifestBytes;
    if (!small && (*name == "manifest.json" || *name == "index.json"))
      throw Error(label + ": `" + *name + "` is too large (" + std::to_string(archive_entry_size(entry)) +
                  " bytes; an image index may have at most " + std::to_string(media_types::kMaxManifestBytes) +
                  ")");
    const bool keep_in_memory = !expected && small && is_metadata(*name);
    std::string bytes;
    std::optional<cache::ContentStore::Ingest> ingest;
    if (!keep_in_memory) ingest.emplace(store.ingest());
    for (;;) {
      const la_ssize_t n = archive_read_data(reader.get(), buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) throw Error(label + ": reading `" + *name + "`: " + archive_message(reader.get()));
      if (keep_in_memory) bytes.append(buffer.data(), static_cast<std::size_t>(n));
      else ingest->write(buffer.data(), static_cast<std::size_t>(n));
    }
    if (keep_in_memory) {
      contents.metadata[*name] = std::move(bytes);
    } else {
      try {
        contents.stored[*name] = ingest->commit(expected);
      } catch (const Error& e) {
        throw Error(label + ": member `" + *name + "`: " + e.what());
      }
    }
  }
  return contents;
}

json parse_member(const ArchiveContents& contents, const std::string& name, const std::string& label) {
  return parse_json(contents.metadata.at(name), label + ": `" + name + "`");
}

// The strings of a JSON array (RepoTags, Layers); throws Error "<what>: ..." for anything else.
std::vector<std::string> string_list(const json& list, const std::string& what) {
  std::vector<std::string> out;
  if (list.is_null()) return out;
  if (!list.is_array()) throw Error(what + ": not a list");
  for (const json& item : list) {
    if (!item.is_string()) throw Error(what + ": holds " + std::string(item.type_name()) + ", not a name");
    out.push_back(item.get<std::string>());
  }
  return out;
}

// A reference as an archive names an image: its familiar form, or Error naming where it is.
std::string familiar_name(const std::string& reference, const std::string& what) {
  try {
    return ImageRef::parse(reference).familiar();
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
}

// An OCI archive: index.json names the manifests; the blobs were verified against their names,
// the layers are checked against their configs' diff_ids here.
std::vector<std::pair<std::string, Digest>> load_oci(const ArchiveContents& contents,
                                                     const cache::ContentStore& store,
                                                     cache::UncompressedLayers& known, const std::string& label) {
  std::vector<std::pair<std::string, Digest>> images;
  const json index = parse_member(contents, "index.json", label);
  const json manifests = index.is_object() ? index.value("manifests", json()) : json();
  if (!manifests.is_array()) throw Error(label + ": `index.json` lists no manifests");
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    const json& descriptor = manifests[i];
    const std::string where = label + ": `index.json` manifest " + std::to_string(i);
    Digest manifest;
    try {
      manifest = Digest::parse(string_member(descriptor, "digest"));
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
    const json annotations = descriptor.is_object() ? descriptor.value("annotations", json()) : json();
    std::string name = string_member(annotations, "io.containerd.image.name");
    if (name.empty()) {
      // ref.name is often only a tag; a value with a repository in it is a full name.
      const std::string ref = string_member(annotations, "org.opencontainers.image.ref.name");
      if (ref.find_first_of("/:") != std::string::npos) name = ref;
    }
    ImageView view;
    try {
      view = read_image(store, manifest);
    } catch (const Error& e) {
      throw Error(label + ": " + e.what());
    }
    try {
      for (const json& layer : view.manifest_json["layers"])
        if (const Digest d = Digest::parse(string_member(layer, "digest")); !store.has(d))
          throw Error("layer " + d.str() + " is missing");
      check_image_layers(store, known, view.manifest_json, view.config_json);
    } catch (const Error& e) {
      throw Error(label + ": image " + view.manifest.str() + ": " + e.what());
    }
    images.emplace_back(name.empty() ? "" : familiar_name(name, where), view.manifest);
  }
  return images;
}

// A docker-archive: each manifest.json entry is a config and plain layer tars; the layers must
// hash to the config's diff_ids. The image gets a schema2 manifest over the config as it was.
std::vector<std::pair<std::string, Digest>> load_docker(const ArchiveContents& contents,
                                                        const cache::ContentStore& store, const std::string& label) {
  std::vector<std::pair<std::string, Digest>> images;
  const json entries = parse_member(contents, "manifest.json", label);
  if (!entries.is_array()) throw Error(label + ": `manifest.json` is not a list of images");
  for (std::size_t e = 0; e < entries.size(); ++e) {
    const json& image = entries[e];
    const std::string where = label + ": `manifest.json` image " + std::to_string(e);
    const std::string config_name = string_member(image, "Config");
    if (config_name.empty()) throw Error(where + ": names no Config");
    const auto config_bytes = contents.metadata.find(config_name);
    const auto config_blob = contents.stored.find(config_name);
    Digest config;
    if (config_bytes != contents.metadata.end()) config = store.put(config_bytes->second);
    else if (config_blob != contents.stored.end()) config = config_blob->second;
    else throw Error(label + ": config `" + config_name + "` is not in the archive");
    const json config_json = parse_json(store.read(config), label + ": config `" + config_name + "`");
    const json rootfs = config_json.is_object() ? config_json.value("rootfs", json()) : json();
    const std::vector<std::string> diff_ids =
        string_list(rootfs.is_object() ? rootfs.value("diff_ids", json()) : json(),
                    label + ": config `" + config_name + "`: rootfs.diff_ids");
    const std::vector<std::string> layer_names = string_list(image.value("Layers", json()), where + ": Layers");
    if (diff_ids.size() != layer_names.size())
      throw Error(label + ": config `" + config_name + "` lists " + std::to_string(diff_ids.size()) +
                  " diff_ids for " + std::to_string(layer_names.size()) + " layers");
    json layers = json::array();
    for (std::size_t i = 0; i < layer_names.size(); ++i) {
      const std::string& layer_name = layer_names[i];
      const auto stored = contents.stored.find(layer_name);
      if (stored == contents.stored.end()) throw Error(label + ": layer `" + layer_name + "` is not in the archive");
      Digest diff_id;
      try {
        diff_id = Digest::parse(diff_ids[i]);
      } catch (const Error& err) {
        throw Error(label + ": config `" + config_name + "`: " + err.what());
      }
      if (stored->second != diff_id)
        throw Error(label + ": layer `" + layer_name + "` is " + stored->second.str() + ", not its diff_id " +
                    diff_id.str());
      layers.push_back({{"mediaType", media_types::kDockerLayer},
                        {"digest", diff_id.str()},
                        {"size", store.size(diff_id)}});
    }
    const json manifest = {{"schemaVersion", 2},
                           {"mediaType", media_types::kDockerManifest},
                           {"config",
                            {{"mediaType", media_types::kDockerConfig},
                             {"digest", config.str()},
                             {"size", store.size(config)}}},
                           {"layers", layers}};
    const Digest manifest_digest = store.put(manifest.dump());
    const std::vector<std::string> tags = string_list(image.value("RepoTags", json()), where + ": RepoTags");
    if (tags.empty()) images.emplace_back("", manifest_digest);
    for (const std::string& tag : tags) images.emplace_back(familiar_name(tag, where + ": RepoTags"), manifest_digest);
  }
  return images;
}

}  // namespace

std::vector<std::pair<std::string, Digest>> load_archive(const fs::path& file, const cache::ContentStore& store,
                                                         cache::UncompressedLayers& known) {
  const std::string label = "archive `" + file.string() + "`";
  const ArchiveContents contents = read_members(file, store, label);
  // Docker 25+ writes both; the docker view carries the RepoTags, so it wins.
  if (contents.metadata.contains("manifest.json")) return load_docker(contents, store, label);
  if (contents.metadata.contains("index.json")) return load_oci(contents, store, known, label);
  throw Error(label + ": neither a docker-archive (manifest.json) nor an OCI archive (index.json)");
}

}  // namespace gantry::exporter

#include "engine/oci_layout_image.h"

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_util.h"
#include "exporter/image.h"
#include "exporter/json_fields.h"
#include "exporter/layer_check.h"
#include "exporter/media_types.h"

namespace gantry::engine {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// How deep an index may nest indexes: as read_image follows them.
constexpr int kMaxIndexDepth = 4;

class LayoutCopier {
 public:
  LayoutCopier(cache::Store& store, const fs::path& dir)
      : store_(store), dir_(dir), label_("OCI layout `" + dir.string() + "`") {}

  const std::string& label() const { return label_; }

  // The blob `digest` in the store, copied from the layout's blobs/ when it is not there yet.
  void copy(const Digest& digest) {
    if (store_.content().has(digest)) return;
    const fs::path blob = dir_ / "blobs" / "sha256" / digest.hex();
    if (!fs::is_regular_file(blob)) throw Error(label_ + ": blob " + digest.str() + " is missing");
    try {
      store_.content().put_file(blob, digest);
    } catch (const Error& e) {
      throw Error(label_ + ": blob " + digest.str() + ": " + e.what());
    }
  }

  // The index or manifest `digest` and what it needs to be read (the manifests of an index,
  // the config of a manifest): not the layers, which only the platform picked needs.
  void copy_manifests(const Digest& digest, int depth) {
    if (depth > kMaxIndexDepth)
      throw Error(label_ + ": indexes nested more than " + std::to_string(kMaxIndexDepth) +
                  " deep");
    copy(digest);
    const json doc =
        exporter::parse_json(store_.content().read(digest), label_ + ": " + digest.str());
    if (!doc.is_object())
      throw Error(label_ + ": " + digest.str() + " is not a manifest or an index");
    if (doc.contains("manifests") && doc["manifests"].is_array())
      for (const json& child : doc["manifests"])
        copy_manifests(descriptor_digest(child), depth + 1);
    if (doc.contains("config")) copy(descriptor_digest(doc["config"]));
  }

  Digest descriptor_digest(const json& descriptor) const {
    try {
      return Digest::parse(exporter::string_member(descriptor, "digest"));
    } catch (const Error& e) {
      throw Error(label_ + ": a descriptor: " + e.what());
    }
  }

 private:
  cache::Store& store_;
  fs::path dir_;
  std::string label_;
};

// The manifest index.json lists under `tag`, else the only one it lists.
Digest manifest_in_index(const fs::path& dir, const std::string& tag, const LayoutCopier& copier) {
  const fs::path index_file = dir / "index.json";
  if (!fs::is_regular_file(index_file))
    throw Error(copier.label() + ": no index.json (not an OCI image layout)");
  if (fs::file_size(index_file) >
      static_cast<std::uintmax_t>(exporter::media_types::kMaxManifestBytes))
    throw Error(copier.label() + ": index.json is too large");
  const json index = exporter::parse_json(read_file(index_file), copier.label() + ": index.json");
  const json manifests = index.is_object() ? index.value("manifests", json()) : json();
  if (!manifests.is_array() || manifests.empty())
    throw Error(copier.label() + ": index.json lists no image");
  for (const json& m : manifests) {
    const json annotations = m.is_object() ? m.value("annotations", json()) : json();
    if (exporter::string_member(annotations, "org.opencontainers.image.ref.name") == tag)
      return copier.descriptor_digest(m);
  }
  if (manifests.size() == 1) return copier.descriptor_digest(manifests[0]);
  throw Error(copier.label() + ": index.json lists no image tagged `" + tag +
              "` (and more than one image)");
}

}  // namespace

OciLayoutRef parse_oci_layout_ref(const std::string& text) {
  OciLayoutRef ref;
  std::string path = text;
  if (const auto at = path.find('@'); at != std::string::npos) {
    try {
      ref.digest = Digest::parse(path.substr(at + 1));
    } catch (const Error& e) {
      throw UsageError("oci-layout://" + text + ": " + e.what());
    }
    path.resize(at);
  }
  if (const auto colon = path.find(':'); colon != std::string::npos) {
    ref.tag = path.substr(colon + 1);
    path.resize(colon);
    if (ref.tag.empty()) throw UsageError("oci-layout://" + text + ": empty tag after `:`");
  }
  if (path.empty()) throw UsageError("oci-layout://" + text + ": no layout directory");
  ref.dir = path;
  return ref;
}

frontend::ImageInfo import_oci_layout_image(cache::Store& store, const OciLayoutRef& layout,
                                            const std::string& name) {
  LayoutCopier copier(store, layout.dir);
  if (!fs::is_directory(layout.dir)) throw Error(copier.label() + ": no such directory");
  const Digest top =
      layout.digest ? *layout.digest : manifest_in_index(layout.dir, layout.tag, copier);
  copier.copy_manifests(top, 0);
  exporter::ImageView view;
  try {
    view = exporter::read_image(store.content(), top);
    for (const json& layer : view.manifest_json.at("layers"))
      copier.copy(copier.descriptor_digest(layer));
    exporter::check_image_layers(store.content(), store.uncompressed_layers(), view.manifest_json,
                                 view.config_json);
  } catch (const json::exception& e) {
    throw Error(copier.label() + ": image " + top.str() + ": " + e.what());
  } catch (const Error& e) {
    throw Error(copier.label() + ": image " + top.str() + ": " + e.what());
  }
  return {name, view.manifest, view.config_json};
}

}  // namespace gantry::engine

#include "registry/pull.h"

#include <tbb/parallel_for_each.h>

#include <atomic>

#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "base/error.h"
#include "exporter/layer_check.h"
#include "exporter/media_types.h"
#include "registry/blob_download.h"
#include "registry/blob_sources.h"
#include "registry/registry_client.h"

namespace gantry::registry {

using nlohmann::json;
namespace mt = exporter::media_types;

namespace {

Descriptor descriptor_of(const json& d) {
  return {Digest::parse(d.at("digest").get<std::string>()), d.at("size").get<std::int64_t>()};
}

// The digest of the manifest of `index` that `platform` runs best (base/platform.h).
std::string platform_manifest(const json& index, const Digest& index_digest, const Platform& platform) {
  const auto platforms = index_platforms(index);
  if (auto chosen = PlatformMatcher(platform).best(platforms))
    return index.at("manifests").at(*chosen).at("digest").get<std::string>();
  std::string has;
  for (const auto& p : platforms)
    if (p && p->os != "unknown") has += (has.empty() ? "" : ", ") + p->str();
  throw Error("image index " + index_digest.str() + " has no manifest for " + platform.str() + " (it has " +
              (has.empty() ? "no platform manifests" : has) + ")");
}

// The diff_id the config claims for each of the `count` layers, where it claims one that parses;
// check_image_layers reports a config that does not.
std::vector<std::optional<Digest>> claimed_diff_ids(const json& config, std::size_t count) {
  std::vector<std::optional<Digest>> out(count);
  const json diff_ids = config.value("rootfs", json::object()).value("diff_ids", json::array());
  if (!diff_ids.is_array() || diff_ids.size() != count) return out;
  for (std::size_t i = 0; i < count; ++i) {
    if (!diff_ids[i].is_string()) continue;
    try {
      out[i] = Digest::parse(diff_ids[i].get<std::string>());
    } catch (const Error&) {
    }
  }
  return out;
}

// A layer blob to download, and where it is unpacked as it arrives (when it is).
struct LayerDownload {
  Descriptor blob;
  exporter::LayerBlob layer;  // the blob with its diff_id and media type, when unpacked
  std::unique_ptr<LayerUnpack> unpack;
  bool fetched = false;  // false when another pull stored the blob first
};

json parse_json(const RemoteManifest& m, const std::string& what) {
  auto parsed = json::parse(m.bytes, nullptr, false);
  if (!parsed.is_object()) throw Error(what + " " + m.digest.str() + " is not JSON");
  return parsed;
}

// One attempt: the image from `host` (the registry or one of its mirrors).
PullReport pull_from(const std::string& host, cache::Store& store, const ImageRef& image,
                     const RegistryOptions& options, const CredentialStore& credentials,
                     const Platform& platform, LayerUnpacker* unpacker, TransferProgress* progress) {
  RegistryClient client(host, options, credentials.find(host));
  const std::string reference = image.digest ? image.digest->str() : image.tag;
  RemoteManifest top = client.get_manifest(image.path, reference);
  const Digest registry_digest = top.digest;
  std::optional<RemoteManifest> index;
  RemoteManifest manifest = top;
  if (mt::is_index(top.media_type)) {
    const std::string chosen = platform_manifest(parse_json(top, "image index"), top.digest, platform);
    index = std::move(top);
    manifest = client.get_manifest(image.path, chosen);
  }
  if (!mt::is_manifest(manifest.media_type))
    throw Error("manifest " + manifest.digest.str() + ": unsupported type `" + manifest.media_type + "`");

  json parsed = parse_json(manifest, "manifest");
  const Descriptor config_blob = descriptor_of(parsed.at("config"));
  std::vector<Descriptor> layers;
  std::vector<std::string> layer_media_types;
  for (const json& layer : parsed.at("layers")) {
    layer_media_types.push_back(layer.at("mediaType").get<std::string>());
    mt::layer_compression(layer_media_types.back());  // throws for a foreign type
    layers.push_back(descriptor_of(layer));
  }

  // The config first: it names the diff_ids the layers are unpacked as while they download.
  std::atomic<int> downloaded = 0;
  if (!store.content().has(config_blob.digest) && download_blob(client, store.content(), image.path, config_blob))
    ++downloaded;
  const json config = json::parse(store.content().read(config_blob.digest), nullptr, false);
  if (!config.is_object()) throw Error("image config " + config_blob.digest.str() + " is not JSON");
  const std::vector<std::optional<Digest>> diff_ids = claimed_diff_ids(config, layers.size());

  std::vector<LayerDownload> downloads;
  std::set<Digest> planned;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (store.content().has(layers[i].digest)) {
      if (progress) progress->present(layers[i].digest);
      continue;
    }
    if (!planned.insert(layers[i].digest).second) continue;
    LayerDownload d{layers[i], {}, {}, false};
    if (unpacker && diff_ids[i]) {
      d.layer = exporter::LayerBlob{*diff_ids[i], layers[i].digest, layers[i].size, layer_media_types[i]};
      d.unpack = unpacker->begin(*diff_ids[i]);
    }
    downloads.push_back(std::move(d));
  }
  tbb::parallel_for_each(downloads.begin(), downloads.end(), [&](LayerDownload& d) {
    d.fetched = download_blob(client, store.content(), image.path, d.blob, d.unpack.get(), progress);
    // Another pull stored it meanwhile.
    if (!d.fetched && progress) progress->present(d.blob.digest);
    if (d.fetched) ++downloaded;
  });
  // Every blob is proven now, and each unpacked layer was its diff_id: they are kept. (A blob
  // another pull stored meanwhile was not unpacked here: that pull unpacked it.)
  for (LayerDownload& d : downloads)
    if (d.unpack && d.fetched) d.unpack->commit(d.layer);
  // The blobs are what the manifest names; the layers must also be what the config claims
  // (those unpacked above were, and are not read again).
  exporter::check_image_layers(store.content(), store.uncompressed_layers(), parsed, config);

  // Manifests last: a manifest in the store always has its blobs.
  for (const RemoteManifest* m : {&manifest, index ? &*index : nullptr}) {
    if (!m) continue;
    auto ingest = store.content().ingest();
    ingest.write(m->bytes);
    ingest.commit(m->digest);
  }
  BlobSources sources(store.db());
  sources.record(config_blob.digest, host, image.path);
  for (const auto& b : layers) sources.record(b.digest, host, image.path);
  // A digest reference needs no name: the store finds it by digest.
  if (!image.digest) {
    store.images().set(image.familiar(), manifest.digest);
    store.images().add_repo_digest(image.familiar(), registry_digest, manifest.digest);
  }
  std::set<Digest> fetched;
  for (const LayerDownload& d : downloads)
    if (d.fetched) fetched.insert(d.blob.digest);
  std::vector<PulledLayer> pulled;
  // A blob the manifest names twice was downloaded once: its second mention already exists.
  for (const auto& layer : layers) pulled.push_back({layer.digest, fetched.erase(layer.digest) > 0});
  return {manifest.digest, registry_digest, downloaded.load(), static_cast<int>(layers.size() + 1) - downloaded.load(),
          host, {}, std::move(pulled)};
}

}  // namespace

PullReport pull_image(cache::Store& store, const ImageRef& image, const RegistryOptions& options,
                      const CredentialStore& credentials, const Platform& platform, LayerUnpacker* unpacker,
                      TransferProgress* progress) {
  auto attempt = [&](const std::string& host) {
    try {
      return pull_from(host, store, image, options, credentials, platform, unpacker, progress);
    } catch (const json::exception& e) {
      // JSON that lacks a field or has one of the wrong type.
      throw Error("malformed manifest: " + std::string(e.what()));
    }
  };
  std::vector<std::string> mirror_failures;
  for (const auto& mirror : options.mirrors_of(image.registry)) {
    try {
      PullReport report = attempt(mirror);
      report.mirror_failures = std::move(mirror_failures);
      return report;
    } catch (const Error& e) {
      mirror_failures.push_back(mirror + ": " + e.what());
    }
  }
  try {
    PullReport report = attempt(image.registry);
    report.mirror_failures = std::move(mirror_failures);
    return report;
  } catch (const Error& e) {
    std::string passed_over;
    for (const auto& f : mirror_failures) passed_over += "; mirror " + f;
    throw Error("pull " + image.familiar() + ": " + e.what() + passed_over);
  }
}

}  // namespace gantry::registry

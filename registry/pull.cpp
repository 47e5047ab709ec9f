#include "registry/pull.h"

#include <tbb/parallel_for_each.h>

#include <atomic>

#include <nlohmann/json.hpp>

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

json parse_json(const RemoteManifest& m, const std::string& what) {
  auto parsed = json::parse(m.bytes, nullptr, false);
  if (!parsed.is_object()) throw Error(what + " " + m.digest.str() + " is not JSON");
  return parsed;
}

// One attempt: the image from `host` (the registry or one of its mirrors).
PullReport pull_from(const std::string& host, cache::Store& store, const ImageRef& image,
                     const RegistryOptions& options, const CredentialStore& credentials,
                     const Platform& platform) {
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
  std::vector<Descriptor> blobs{descriptor_of(parsed.at("config"))};
  for (const json& layer : parsed.at("layers")) {
    mt::layer_compression(layer.at("mediaType").get<std::string>());  // throws for a foreign type
    blobs.push_back(descriptor_of(layer));
  }

  std::vector<Descriptor> missing;
  for (const auto& b : blobs)
    if (!store.content().has(b.digest)) missing.push_back(b);
  std::atomic<int> downloaded = 0;
  tbb::parallel_for_each(missing.begin(), missing.end(), [&](const Descriptor& blob) {
    if (download_blob(client, store.content(), image.path, blob)) ++downloaded;
  });
  // The blobs are what the manifest names; the layers must also be what the config claims.
  const json config = json::parse(store.content().read(blobs.front().digest), nullptr, false);
  if (!config.is_object()) throw Error("image config " + blobs.front().digest.str() + " is not JSON");
  exporter::check_image_layers(store.content(), store.uncompressed_layers(), parsed, config);

  // Manifests last: a manifest in the store always has its blobs.
  for (const RemoteManifest* m : {&manifest, index ? &*index : nullptr}) {
    if (!m) continue;
    auto ingest = store.content().ingest();
    ingest.write(m->bytes);
    ingest.commit(m->digest);
  }
  BlobSources sources(store.db());
  for (const auto& b : blobs) sources.record(b.digest, host, image.path);
  // A digest reference needs no name: the store finds it by digest.
  if (!image.digest) {
    store.images().set(image.familiar(), manifest.digest);
    store.images().add_repo_digest(image.familiar(), registry_digest, manifest.digest);
  }
  return {manifest.digest, registry_digest, downloaded.load(), static_cast<int>(blobs.size()) - downloaded.load(),
          host, {}};
}

}  // namespace

PullReport pull_image(cache::Store& store, const ImageRef& image, const RegistryOptions& options,
                      const CredentialStore& credentials, const Platform& platform) {
  auto attempt = [&](const std::string& host) {
    try {
      return pull_from(host, store, image, options, credentials, platform);
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

#include "registry/push.h"

#include <tbb/parallel_for_each.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "exporter/media_types.h"
#include "registry/blob_sources.h"
#include "registry/registry_client.h"

namespace gantry::registry {

using nlohmann::json;
namespace mt = exporter::media_types;

namespace {

struct Pusher {
  cache::Store& store;
  RegistryClient& client;
  const ImageRef& destination;
  const PushOptions& options;
  TransferProgress* progress;
  std::atomic<int> uploaded{0}, mounted{0}, present{0};
  std::mutex blobs_mutex;
  std::map<Digest, PushedBlob> blobs;

  void record(const Digest& blob, PushedBlob pushed) {
    std::lock_guard lock(blobs_mutex);
    blobs[blob] = std::move(pushed);
  }

  // `layer_progress`: `progress` for a layer, null for a config.
  void push_blob(const Digest& blob, const std::vector<std::string>& mount_candidates,
                 TransferProgress* layer_progress) {
    if (client.has_blob(destination.path, blob)) {
      ++present;
      record(blob, {PushedBlob::How::Present, {}});
      if (layer_progress) layer_progress->present(blob);
      return;
    }
    for (const auto& from : mount_candidates)
      if (from != destination.path && client.mount_blob(destination.path, blob, from)) {
        ++mounted;
        record(blob, {PushedBlob::How::Mounted, from});
        if (layer_progress) layer_progress->mounted(blob, from);
        return;
      }
    const std::int64_t size = store.content().size(blob);
    if (layer_progress) layer_progress->started(blob, size);
    client.upload_blob(destination.path, blob, store.content().path(blob), size, options.chunk_size);
    ++uploaded;
    record(blob, {PushedBlob::How::Uploaded, {}});
    if (layer_progress) layer_progress->finished(blob);
  }

  // Pushes a manifest's blobs (or an index's manifests), then the manifest itself under `reference`.
  Digest push_manifest(const Digest& manifest, const std::string& reference) {
    const std::string bytes = store.content().read(manifest);
    json parsed = json::parse(bytes, nullptr, false);
    if (!parsed.is_object()) throw Error("manifest " + manifest.str() + " in the local store is not JSON");
    std::string media_type = parsed.value("mediaType", std::string(mt::kOciManifest));

    if (mt::is_index(media_type)) {
      for (const json& entry : parsed.value("manifests", json::array())) {
        Digest child = Digest::parse(entry.at("digest").get<std::string>());
        if (!store.content().has(child))
          throw Error("image index " + manifest.str() + ": manifest " + child.str() + " is missing from the local store");
        push_manifest(child, child.str());
      }
    } else {
      std::vector<Digest> blobs{Digest::parse(parsed.at("config").at("digest").get<std::string>())};
      for (const json& layer : parsed.at("layers")) blobs.push_back(Digest::parse(layer.at("digest").get<std::string>()));
      BlobSources sources(store.db());
      std::vector<std::vector<std::string>> candidates;
      for (const auto& blob : blobs) {
        if (!store.content().has(blob))
          throw Error("blob " + blob.str() + " is missing from the local store");
        candidates.push_back(sources.repositories(blob, destination.registry));
      }
      std::vector<std::size_t> order(blobs.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      tbb::parallel_for_each(order.begin(), order.end(), [&](std::size_t i) {
        push_blob(blobs[i], candidates[i], i == 0 ? nullptr : progress);  // blobs[0]: the config
      });
      for (const auto& blob : blobs) sources.record(blob, destination.registry, destination.path);
    }
    return client.put_manifest(destination.path, reference, media_type, bytes);
  }
};

}  // namespace

PushReport push_image(cache::Store& store, const Digest& manifest, const ImageRef& destination,
                      const RegistryOptions& options, const CredentialStore& credentials, const PushOptions& push,
                      TransferProgress* progress) {
  try {
    RegistryClient client(destination.registry, options, credentials.find(destination.registry));
    Pusher pusher{store, client, destination, push, progress};
    const std::string reference = destination.tag.empty() ? manifest.str() : destination.tag;
    Digest pushed = pusher.push_manifest(manifest, reference);
    return {pushed, pusher.uploaded, pusher.mounted, pusher.present, std::move(pusher.blobs)};
  } catch (const Error& e) {
    throw Error("push " + destination.familiar() + ": " + e.what());
  } catch (const json::exception& e) {
    // JSON that lacks a field or has one of the wrong type.
    throw Error("push " + destination.familiar() + ": malformed manifest: " + e.what());
  }
}

}  // namespace gantry::registry

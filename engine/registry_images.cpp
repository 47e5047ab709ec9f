#include "engine/registry_images.h"

#include <optional>

#include "base/error.h"
#include "base/platform.h"
#include "engine/local_images.h"
#include "engine/store_images.h"

namespace gantry::engine {

namespace {

// Pulls `reference` for `platform` when `policy` says so, given whether the store has it already;
// whether it pulled (when not, the store has it: the image found before the call is the one to use).
bool pull_as_policy_says(cache::Store& store, const std::string& reference, bool in_store,
                         const RegistryAccess& registry, PullPolicy policy, const Platform& platform,
                         Messages& messages) {
  if (!in_store && policy == PullPolicy::Never)
    throw Error("image `" + reference + "` is not in the local store, and --pull=never forbade pulling it");
  const ImageRef image = ImageRef::parse(reference);
  if (!pulls(policy, in_store, image.digest.has_value())) return false;
  pull_image(store, image, registry, platform.str(), messages);
  return true;
}

// Whether an image whose config is `config` is one for `platform` (an image that names no
// platform is taken for any).
bool is_for(const nlohmann::json& config, const Platform& platform) {
  const auto says = Platform::from_json(config);
  return !says || PlatformMatcher(platform).matches(*says);
}

// Pulls `reference` for `platform` as `policy` says, the store having an image of config `local`
// or none: one of another platform is pulled as a missing one would be, but under --pull=never,
// which keeps it (the InvalidBaseImagePlatform check says so). Whether it pulled.
bool pull_for(cache::Store& store, const std::string& reference, const nlohmann::json* local,
              const RegistryAccess& registry, PullPolicy policy, const Platform& platform, Messages& messages) {
  const bool wanted = local && is_for(*local, platform);
  if (local && !wanted && policy == PullPolicy::Never) return false;
  try {
    return pull_as_policy_says(store, reference, wanted, registry, policy, platform, messages);
  } catch (const Error& e) {
    if (!local || wanted) throw;
    throw Error("image `" + reference + "`: the local store has it for " + Platform::from_json(*local)->str() +
                ", not " + platform.str() + ", and pulling it failed: " + e.what());
  }
}

}  // namespace

void report_pull(const ImageRef& image, const registry::PullReport& report, Messages& messages) {
  for (const auto& failure : report.mirror_failures) messages.warning("mirror " + failure);
  std::string line = "pulled " + image.familiar();
  if (report.source != image.registry) line += " from mirror " + report.source;
  line += " (" + std::to_string(report.blobs_downloaded) + " blobs downloaded, " +
          std::to_string(report.blobs_present) + " already present)";
  messages.info(line);
}

registry::PullReport pull_image(cache::Store& store, const ImageRef& image, const RegistryAccess& registry,
                                const std::string& platform, Messages& messages,
                                registry::TransferProgress* progress) {
  const Platform wanted = platform.empty() ? host_platform() : Platform::parse(platform);
  SnapshotUnpacker unpacker(store);
  auto report = registry::pull_image(store, image, registry.options, registry.credentials, wanted, &unpacker,
                                     progress);
  report_pull(image, report, messages);
  return report;
}

registry::PushReport push_image(cache::Store& store, const std::string& source, const std::string& destination,
                                const RegistryAccess& registry, const registry::PushOptions& push,
                                Messages& messages, registry::TransferProgress* progress) {
  const ImageRef to = ImageRef::parse(destination.empty() ? source : destination);
  Digest manifest;
  try {
    manifest = find_image(store, source);
  } catch (const Error&) {
    throw Error("push " + source + ": no such image in the local store");
  }
  const Digest pushed = with_compressed_layers(store, manifest, {.compression = exporter::Compression::Gzip});
  auto report = registry::push_image(store, pushed, to, registry.options, registry.credentials, push,
                                       progress);
  store.images().add_repo_digest(to.familiar(), report.manifest, manifest);  // docker's RepoDigests
  messages.info("pushed " + to.familiar() + ": " + std::to_string(report.blobs_uploaded) +
                " blobs uploaded, " + std::to_string(report.blobs_mounted) + " mounted, " +
                std::to_string(report.blobs_present) + " already present");
  return report;
}

frontend::ImageInfo resolve_or_pull_image(cache::Store& store, const std::string& reference,
                                          const RegistryAccess& registry, PullPolicy policy, const Platform& platform,
                                          Messages& messages) {
  std::optional<frontend::ImageInfo> local;
  try {
    local = resolve_local_image(store, reference, platform);
  } catch (const UsageError&) {
    throw;  // not a reference at all: nothing to pull
  } catch (const Error&) {
  }
  if (!pull_for(store, reference, local ? &local->config : nullptr, registry, policy, platform, messages))
    return *local;
  return resolve_local_image(store, reference, platform);
}

Digest find_or_pull_image(cache::Store& store, const std::string& reference, const RegistryAccess& registry,
                          PullPolicy policy, const std::optional<Platform>& platform, Messages& messages) {
  std::optional<Digest> local;
  try {
    local = find_image(store, reference);
  } catch (const Error&) {
  }
  try {
    ImageRef::parse(reference);
  } catch (const UsageError&) {
    // An image id or a prefix of one: nothing to pull, and find_image says when it is unknown.
    return local ? *local : find_image(store, reference);
  }
  // Without a platform asked for, whatever platform the store's image is for will do.
  const Platform wanted = platform.value_or(host_platform());
  nlohmann::json config;
  if (local) config = platform ? exporter::read_image(store.content(), *local, wanted).config_json : nlohmann::json();
  if (!pull_for(store, reference, local ? &config : nullptr, registry, policy, wanted, messages)) return *local;
  return find_image(store, reference);
}

}  // namespace gantry::engine

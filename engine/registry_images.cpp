#include "engine/registry_images.h"

#include "base/error.h"
#include "base/platform.h"
#include "engine/local_images.h"
#include "engine/store_images.h"

namespace gantry::engine {

bool names_registry(const std::string& reference) {
  auto slash = reference.find('/');
  if (slash == std::string::npos) return false;
  std::string first = reference.substr(0, slash);
  return first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost";
}

void report_pull(const ImageRef& image, const registry::PullReport& report, Messages& messages) {
  for (const auto& failure : report.mirror_failures) messages.warning("mirror " + failure);
  std::string line = "pulled " + image.familiar();
  if (report.source != image.registry) line += " from mirror " + report.source;
  line += " (" + std::to_string(report.blobs_downloaded) + " blobs downloaded, " +
          std::to_string(report.blobs_present) + " already present)";
  messages.info(line);
}

registry::PullReport pull_image(cache::Store& store, const ImageRef& image, const RegistryAccess& registry,
                                const std::string& platform, Messages& messages) {
  const Platform wanted = platform.empty() ? host_platform() : Platform::parse(platform);
  auto report = registry::pull_image(store, image, registry.options, registry.credentials, wanted);
  report_pull(image, report, messages);
  return report;
}

registry::PushReport push_image(cache::Store& store, const std::string& source, const std::string& destination,
                                const RegistryAccess& registry, const registry::PushOptions& push,
                                Messages& messages) {
  const ImageRef to = ImageRef::parse(destination.empty() ? source : destination);
  Digest manifest;
  try {
    manifest = find_image(store, source);
  } catch (const Error&) {
    throw Error("push " + source + ": no such image in the local store");
  }
  const Digest pushed = with_compressed_layers(store, manifest, {.compression = exporter::Compression::Gzip});
  auto report = registry::push_image(store, pushed, to, registry.options, registry.credentials, push);
  store.images().add_repo_digest(to.familiar(), report.manifest, manifest);  // docker's RepoDigests
  messages.info("pushed " + to.familiar() + ": " + std::to_string(report.blobs_uploaded) +
                " blobs uploaded, " + std::to_string(report.blobs_mounted) + " mounted, " +
                std::to_string(report.blobs_present) + " already present");
  return report;
}

frontend::ImageInfo resolve_or_pull_image(cache::Store& store, const std::string& reference,
                                          const RegistryAccess& registry, bool always_pull, Messages& messages) {
  if (!always_pull) {
    try {
      return resolve_local_image(store, reference);
    } catch (const Error&) {
      if (!names_registry(reference)) throw;
    }
  }
  ImageRef image = ImageRef::parse(reference);
  pull_image(store, image, registry, "", messages);  // RUN steps run natively: the host's platform
  return resolve_local_image(store, reference);
}

}  // namespace gantry::engine

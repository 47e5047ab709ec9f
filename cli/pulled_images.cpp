#include "cli/pulled_images.h"

#include <iostream>

#include "base/error.h"
#include "cli/store_images.h"

namespace gantry::cli {

bool names_registry(const std::string& reference) {
  auto slash = reference.find('/');
  if (slash == std::string::npos) return false;
  std::string first = reference.substr(0, slash);
  return first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost";
}

std::string describe_pull(const ImageRef& image, const registry::PullReport& report) {
  std::string out;
  for (const auto& failure : report.mirror_failures) out += "WARNING: mirror " + failure + "\n";
  out += "pulled " + image.familiar();
  if (report.source != image.registry) out += " from mirror " + report.source;
  out += " (" + std::to_string(report.blobs_downloaded) + " blobs downloaded, " +
         std::to_string(report.blobs_present) + " already present)";
  return out;
}

frontend::ImageInfo resolve_or_pull_image(cache::Store& store, const std::string& reference,
                                          const registry::RegistryOptions& options, bool always_pull) {
  if (!always_pull) {
    try {
      return resolve_local_image(store, reference);
    } catch (const Error&) {
      if (!names_registry(reference)) throw;
    }
  }
  ImageRef image = ImageRef::parse(reference);
  auto report = registry::pull_image(store, image, options, registry::CredentialStore::from_environment());
  std::cerr << describe_pull(image, report) << "\n";
  return resolve_local_image(store, reference);
}

}  // namespace gantry::cli

#include "exporter/layer_check.h"

#include <tbb/parallel_for_each.h>

#include <optional>

#include "base/error.h"
#include "exporter/layer_stream.h"

namespace gantry::exporter {

using nlohmann::json;

namespace {

struct LayerClaim {
  Digest blob;
  Digest diff_id;
};

std::vector<LayerClaim> layer_claims(const json& manifest, const json& config) {
  const json& descriptors = manifest.at("layers");
  const json& diff_ids = config.at("rootfs").at("diff_ids");
  if (descriptors.size() != diff_ids.size())
    throw Error("image config: " + std::to_string(diff_ids.size()) + " diff_ids for " +
                std::to_string(descriptors.size()) + " layers");
  std::vector<LayerClaim> claims;
  for (std::size_t i = 0; i < descriptors.size(); ++i)
    claims.push_back({Digest::parse(descriptors[i].at("digest").get<std::string>()),
                      Digest::parse(diff_ids[i].get<std::string>())});
  return claims;
}

// What each of `blobs` holds uncompressed, in the same order: as `known` recorded it, or read
// through now and recorded there. Throws Error naming a blob that cannot be read.
std::vector<cache::UncompressedLayer> uncompressed_layers(const cache::ContentStore& store,
                                                          cache::UncompressedLayers& known,
                                                          const std::vector<Digest>& blobs) {
  std::vector<std::optional<cache::UncompressedLayer>> found;
  std::vector<std::size_t> to_read;
  for (const Digest& blob : blobs) {
    found.push_back(known.find(blob));
    if (!found.back()) to_read.push_back(found.size() - 1);
  }
  tbb::parallel_for_each(to_read.begin(), to_read.end(), [&](std::size_t i) {
    LayerStream stream(store.path(blobs[i]), "layer " + blobs[i].str());
    found[i] = stream.finish();
  });
  // The database is written here, on this thread only.
  for (std::size_t i : to_read) known.record(blobs[i], *found[i]);
  std::vector<cache::UncompressedLayer> out;
  for (const auto& layer : found) out.push_back(*layer);
  return out;
}

}  // namespace

void check_image_layers(const cache::ContentStore& store, cache::UncompressedLayers& known, const json& manifest,
                        const json& config) {
  std::vector<LayerClaim> claims;
  try {
    claims = layer_claims(manifest, config);
  } catch (const json::exception&) {
    throw Error("image config: no rootfs diff_ids for the manifest's layers");
  }
  std::erase_if(claims, [](const LayerClaim& claim) { return claim.blob == claim.diff_id; });
  std::vector<Digest> blobs;
  for (const LayerClaim& claim : claims) blobs.push_back(claim.blob);
  const std::vector<cache::UncompressedLayer> held = uncompressed_layers(store, known, blobs);
  for (std::size_t i = 0; i < claims.size(); ++i) expect_diff_id(held[i], claims[i].diff_id, "layer " + claims[i].blob.str());
}

}  // namespace gantry::exporter

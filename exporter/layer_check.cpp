#include "exporter/layer_check.h"

#include <tbb/parallel_for_each.h>

#include <optional>
#include <vector>

#include "base/error.h"
#include "exporter/layer_stream.h"

namespace gantry::exporter {

using nlohmann::json;

namespace {

struct LayerClaim {
  Digest blob;
  Digest diff_id;
  std::optional<cache::UncompressedLayer> read;  // filled in when the blob is read through
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
                      Digest::parse(diff_ids[i].get<std::string>()), std::nullopt});
  return claims;
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
  std::vector<LayerClaim*> to_read;
  for (LayerClaim& claim : claims) {
    if (claim.blob == claim.diff_id) continue;
    if (const auto before = known.find(claim.blob))
      expect_diff_id(*before, claim.diff_id, "layer " + claim.blob.str());
    else
      to_read.push_back(&claim);
  }
  tbb::parallel_for_each(to_read.begin(), to_read.end(), [&](LayerClaim* claim) {
    claim->read = check_layer_blob(store.path(claim->blob), claim->diff_id, "layer " + claim->blob.str());
  });
  for (const LayerClaim* claim : to_read) known.record(claim->blob, *claim->read);
}

}  // namespace gantry::exporter

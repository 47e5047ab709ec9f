#include "tests/engine/store_fixture.h"

#include "base/image_ref.h"
#include "base/platform.h"
#include "exporter/layer.h"

namespace gantry::engine::testing {

namespace fs = std::filesystem;

StoreFixture::StoreFixture() = default;

exporter::ImageRecord StoreFixture::import(const std::map<std::string, std::string>& files,
                                           const std::optional<std::string>& name, const nlohmann::json& config,
                                           std::int64_t created, const std::string& platform) {
  const TempDir layer(tmp_.path(), "layer-");
  for (const auto& [path, content] : files) {
    fs::create_directories((layer.path() / path).parent_path());
    write_file_atomic(layer.path() / path, content);
  }
  const auto blob = exporter::pack_layer(layer.path(), store_.content(), {.compression = exporter::Compression::Gzip});
  const Platform p = Platform::parse(platform);
  nlohmann::json image_config = {{"architecture", p.architecture},
                                 {"os", p.os},
                                 {"config", config},
                                 {"history", {{{"created_by", "test layer"}}}}};
  if (!p.variant.empty()) image_config["variant"] = p.variant;
  auto record = exporter::write_image(store_.content(), image_config, {blob}, created);
  if (name) store_.images().set(ImageRef::parse(*name).familiar(), record.manifest);
  return record;
}

}  // namespace gantry::engine::testing

// A fresh state root with a Store open on it, and images made from small root filesystems.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "base/file_util.h"
#include "cache/store.h"
#include "exporter/image.h"

namespace gantry::engine::testing {

class StoreFixture : public ::testing::Test {
 protected:
  StoreFixture();

  // An image of one layer holding `files` (path -> content), named `name` when given, with
  // `config` merged into its config's "config" object (Cmd, Env, ...), for `platform`.
  exporter::ImageRecord import(const std::map<std::string, std::string>& files,
                               const std::optional<std::string>& name = std::nullopt,
                               const nlohmann::json& config = nlohmann::json::object(),
                               std::int64_t created = 1'700'000'000,
                               const std::string& platform = "linux/amd64");

  TempDir tmp_{std::filesystem::temp_directory_path(), "engine-test-"};
  cache::Store store_{tmp_.path() / "root"};
};

}  // namespace gantry::engine::testing

// A response stream for unit tests: keeps what a route streams, one message per write.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/http_server.h"

namespace gantry::daemon {

class RecordingStream : public ResponseStream {
 public:
  bool write(std::string_view data) override {
    writes.emplace_back(data);
    return true;
  }
  bool client_connected() override { return true; }
  std::vector<nlohmann::json> messages() const {
    std::vector<nlohmann::json> out;
    for (const auto& w : writes) {
      EXPECT_TRUE(w.ends_with("\r\n")) << w;
      out.push_back(nlohmann::json::parse(w));
    }
    return out;
  }
  std::vector<std::string> writes;
};

}  // namespace gantry::daemon

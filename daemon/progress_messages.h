// dockerd's JSON progress messages for a pull or a push, written to the response as they come
// (one a line, each ended with "\r\n" as dockerd's stream formatter ends them), and the layer
// events of a registry transfer (registry/transfer_progress.h) put in those words:
//
//   {"status":"Pulling fs layer","progressDetail":{},"id":"a3ed95caeb02"}
//   {"status":"Downloading","progressDetail":{"current":32768,"total":65536},"id":"a3ed95caeb02"}
//   {"status":"Pull complete","progressDetail":{},"id":"a3ed95caeb02"}
//   {"errorDetail":{"message":"..."},"error":"..."}
#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/http_server.h"
#include "registry/transfer_progress.h"

namespace gantry::daemon {

// One message as dockerd writes it.
std::string progress_message(const nlohmann::json& message);

class ProgressMessages {
 public:
  explicit ProgressMessages(ResponseStream& out) : out_(out) {}
  void status(const std::string& text);
  void status(const std::string& text, const std::string& id);
  void progress(const std::string& text, const std::string& id, std::int64_t current,
                std::int64_t total);
  void aux(nlohmann::json value);
  // A failure after the response began: the docker CLI prints `text` and exits 1.
  void error(const std::string& text);

 private:
  ResponseStream& out_;
};

// What a transfer says of a layer, in dockerd's words for a pull or for a push.
struct LayerWords {
  std::string present, started, moving, finished;
};
extern const LayerWords kPullWords;  // Already exists, Pulling fs layer, Downloading, Pull complete
extern const LayerWords kPushWords;  // Layer already exists, Pushing, Pushing, Pushed

// A transfer's layer events as progress messages, each layer named by its blob's first 12 hex
// digits. A layer's byte counts are sent at most about 50 times (each 2% of it), not at every
// piece the network delivers.
class LayerProgressMessages : public registry::TransferProgress {
 public:
  LayerProgressMessages(ProgressMessages& out, const LayerWords& words)
      : out_(out), words_(words) {}
  void present(const Digest& layer) override;
  void mounted(const Digest& layer, const std::string& from) override;
  void started(const Digest& layer, std::int64_t size) override;
  void moved(const Digest& layer, std::int64_t done, std::int64_t size) override;
  void finished(const Digest& layer) override;

 private:
  ProgressMessages& out_;
  const LayerWords& words_;
  std::mutex mutex_;
  std::map<Digest, std::int64_t> steps_sent_;  // the last 2% step sent, by layer
};

}  // namespace gantry::daemon

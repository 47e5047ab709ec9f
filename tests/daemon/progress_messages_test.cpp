#include "daemon/progress_messages.h"

#include <gtest/gtest.h>

#include "base/digest.h"
#include "tests/daemon/recording_stream.h"

namespace gantry::daemon {
namespace {

using nlohmann::json;

TEST(LayerProgressMessages, APullsLayerSaysItsBytesAtMostFiftyTimesEndingAtItsSize) {
  RecordingStream stream;
  ProgressMessages out(stream);
  LayerProgressMessages layers(out, kPullWords);
  const Digest layer = sha256_of("layer"), present = sha256_of("present");
  layers.present(present);
  layers.started(layer, 10000);
  for (std::int64_t done = 7; done < 10000; done += 7) layers.moved(layer, done, 10000);
  layers.moved(layer, 10000, 10000);
  layers.finished(layer);

  const auto messages = stream.messages();
  ASSERT_GE(messages.size(), 4u);
  EXPECT_EQ(messages[0], json({{"status", "Already exists"},
                               {"progressDetail", json::object()},
                               {"id", present.short_hex()}}));
  EXPECT_EQ(messages[1]["status"], "Pulling fs layer");
  EXPECT_EQ(messages.back()["status"], "Pull complete");
  const std::size_t counts = messages.size() - 3;
  EXPECT_EQ(counts, 50u);  // one per 2% of the layer
  EXPECT_EQ(messages[messages.size() - 2],
            json({{"status", "Downloading"},
                  {"progressDetail", {{"current", 10000}, {"total", 10000}}},
                  {"id", layer.short_hex()}}));
}

TEST(LayerProgressMessages, APushSaysWhatBecameOfEachLayer) {
  RecordingStream stream;
  ProgressMessages out(stream);
  LayerProgressMessages layers(out, kPushWords);
  const Digest a = sha256_of("a"), b = sha256_of("b"), c = sha256_of("c");
  layers.present(a);
  layers.mounted(b, "team/base");
  layers.started(c, 5);
  layers.finished(c);
  out.error("push x: refused");
  std::vector<std::string> lines;
  for (const auto& m : stream.messages()) lines.push_back(m.value("status", m.value("error", "")));
  EXPECT_EQ(lines, (std::vector<std::string>{"Layer already exists", "Mounted from team/base",
                                             "Pushing", "Pushed", "push x: refused"}));
  EXPECT_EQ(stream.messages().back()["errorDetail"]["message"], "push x: refused");
}

}  // namespace
}  // namespace gantry::daemon

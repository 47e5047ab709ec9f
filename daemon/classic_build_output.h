// A build's progress as dockerd's classic builder streams it in the response to POST /build:
// one JSON message per line, which the docker CLI prints as they come.
//
//   {"stream":"Step 2/4 : RUN make\n"}        a step starts (the solver's "[2/4] RUN make")
//   {"stream":" ---> Using cache\n"}          it was cached
//   {"stream":"compiling...\n"}               its output, line by line
//   {"stream":" ---> Done in 1.2s\n"}         it ended
//   {"aux":{"ID":"sha256:..."}}               the image, then "Successfully built" and
//   {"stream":"Successfully tagged app:1\n"}  "Successfully tagged" for each name
//   {"errorDetail":{"message":...,"code":1},"error":...}   the build failed (docker exits 1)
// With quiet (q=1) only the image ID is written, as {"stream":"sha256:...\n"}, or the error.
// The engine's messages (a pull, a warning) are stream lines too. Safe from several threads.
#pragma once

#include <string>
#include <vector>

#include "daemon/http_server.h"
#include "engine/messages.h"
#include "exporter/image.h"
#include "solver/solver.h"

namespace gantry::daemon {

class ClassicBuildOutput : public solver::ProgressSink, public engine::Messages {
 public:
  ClassicBuildOutput(ResponseStream& out, bool quiet) : out_(out), quiet_(quiet) {}

  void event(const solver::ProgressEvent& e) override;
  void info(const std::string& line) override;
  void warning(const std::string& line) override;

  void built(const exporter::ImageRecord& image, const std::vector<std::string>& tags);
  void failed(const std::string& message);

 private:
  void stream(const std::string& text);
  ResponseStream& out_;
  bool quiet_;
};

// "[2/4] RUN make" -> "Step 2/4 : RUN make"; a description without a step number stays.
std::string classic_step_line(const std::string& description);

}  // namespace gantry::daemon

// What the engine has to tell whoever sent a request, besides a solve's progress: what a pull,
// a push or a cache export did, and warnings (a Dockerfile's, a cache source passed over). The
// engine writes nowhere itself: the CLI prints these lines on stderr, a daemon puts them in its
// response stream. Called from any thread (bake builds targets on several).
#pragma once

#include <string>

#include "frontend/dockerfile/build_checks.h"

namespace gantry::engine {

class Messages {
 public:
  virtual ~Messages() = default;
  virtual void info(const std::string& line) = 0;
  virtual void warning(const std::string& line) = 0;  // the text after "WARNING: "
  // A build check the Dockerfile broke. buildx lists them after the build; whoever cannot wait
  // that long gets it as a warning line.
  virtual void build_check(const frontend::CheckWarning& w) { warning(w.short_text()); }
};

}  // namespace gantry::engine

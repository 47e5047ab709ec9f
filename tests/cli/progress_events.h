// Progress events as the solver sends them, for the display tests.
#pragma once

#include <string>

#include "solver/solver.h"

namespace gantry::cli::testing {

using Kind = solver::ProgressEvent::Kind;

inline solver::ProgressEvent started(const std::string& vertex, const std::string& name) {
  return {.kind = Kind::Started, .vertex = vertex, .description = name};
}
inline solver::ProgressEvent cached(const std::string& vertex, const std::string& name) {
  return {.kind = Kind::Cached, .vertex = vertex, .description = name};
}
inline solver::ProgressEvent log_line(const std::string& vertex, const std::string& text,
                                      executor::Stream stream = executor::Stream::Stdout) {
  return {.kind = Kind::Log, .vertex = vertex, .text = text, .stream = stream};
}
inline solver::ProgressEvent done(const std::string& vertex, const std::string& name, double seconds) {
  return {.kind = Kind::Done, .vertex = vertex, .description = name, .seconds = seconds};
}
inline solver::ProgressEvent failed(const std::string& vertex, const std::string& name,
                                    const std::string& error, double seconds) {
  return {.kind = Kind::Error, .vertex = vertex, .description = name, .text = error, .seconds = seconds};
}

}  // namespace gantry::cli::testing

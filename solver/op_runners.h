// Execution of the two ops that make layers. Each takes its inputs' results and returns the
// new result: the input's layers plus one new, committed snapshot.
#pragma once

#include <atomic>
#include <filesystem>
#include <vector>

#include "cache/source_tree.h"
#include "cache/store.h"
#include "executor/executor.h"
#include "llb/llb.h"
#include "solver/solver.h"

namespace gantry::solver {

struct OpContext {
  cache::Store& store;
  executor::Executor& executor;
  const SolveOptions& options;
  ProgressSink& progress;
  const std::atomic<bool>& cancel;
  std::filesystem::path scratch;  // for mount points and throw-away upper dirs
};

// `inputs[i]` is the result of node.inputs[i] (nullptr for scratch).
Result run_exec_op(const OpContext& ctx, const llb::Node& node,
                   const std::vector<const Result*>& inputs);
Result run_file_op(const OpContext& ctx, const llb::Node& node,
                   const std::vector<const Result*>& inputs);

// What the .dockerignore of the local source that is input `input` of `node` excludes (nothing
// when the input is no local source).
cache::ExcludeRules exclude_rules_of(const OpContext& ctx, const llb::Node& node, int input);

// A path of a source tree as messages show it: "/a/b/" -> "a/b", "" -> ".".
std::string shown_path(std::string_view path);

// The snapshot directories of a layer stack, top first (overlayfs lowerdir order).
std::vector<std::filesystem::path> top_first_dirs(const cache::Store& store,
                                                  const std::vector<std::string>& layers);

}  // namespace gantry::solver

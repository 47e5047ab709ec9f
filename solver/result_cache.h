// The build cache's records: cache key -> result (its layer snapshots), in the metadata
// database. A record whose snapshots are gone (pruned) counts as a miss.
#pragma once

#include <mutex>
#include <optional>
#include <vector>

#include "cache/store.h"
#include "solver/solver.h"

namespace gantry::solver {

class ResultCache {
 public:
  explicit ResultCache(cache::Store& store) : store_(store) {}

  std::optional<Result> find(const Digest& key);
  // Writes the last use of every record find() returned since the last call, in one
  // transaction (a fully cached build would otherwise write once per step).
  void mark_used();
  // Records a result; when another build recorded the same key first, that one is kept and
  // returned (both builds succeed, one set of snapshots wins). With `replace` (--no-cache) the
  // new result replaces an old one. The record's time of creation is result.created when set
  // (a result imported from elsewhere), else now.
  Result record(const Digest& key, const Result& result, bool replace = false);
  void record_snapshot(const std::string& id);

 private:
  cache::Store& store_;
  std::mutex used_mutex_;  // find() runs on the solver's threads
  std::vector<Digest> used_;
};

}  // namespace gantry::solver

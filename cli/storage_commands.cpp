// `gantry du` and `gantry prune`: what the store holds and trimming it.
#include <cstdio>
#include <memory>

#include "base/error.h"
#include "base/quantities.h"
#include "cache/garbage_collector.h"
#include "cache/store.h"
#include "cli/command.h"

namespace gantry::cli {

namespace {

struct PruneFlags {
  bool all = false;
  std::string keep_storage;
  std::vector<std::string> filters;
  bool force = false;
};

int run_prune(const GlobalOptions& global, const PruneFlags& f) {
  cache::PruneOptions options;
  options.all = f.all;
  if (!f.keep_storage.empty()) options.keep_storage = parse_size(f.keep_storage);
  for (const auto& filter : f.filters) {
    if (!filter.starts_with("until="))
      throw UsageError("invalid --filter `" + filter + "` (supported: until=DURATION)");
    options.unused_for_seconds = parse_duration(filter.substr(6));
  }
  cache::Store store(global.state_root());
  auto report = cache::prune(store, options);
  std::printf("Deleted %d build cache records, %d snapshots, %d blobs\nTotal reclaimed space: %s\n",
              report.records, report.snapshots, report.blobs, human_size(report.bytes).c_str());
  return 0;
}

int run_du(const GlobalOptions& global) {
  cache::Store store(global.state_root());
  auto u = cache::disk_usage(store);
  std::printf("%-16s %12s\n", "TYPE", "SIZE");
  std::printf("%-16s %12s\n", "Images", human_size(u.images).c_str());
  std::printf("%-16s %12s\n", "Layers", human_size(u.layers).c_str());
  std::printf("%-16s %12s  (%d records)\n", "Build cache", human_size(u.build_cache).c_str(),
              u.build_cache_records);
  std::printf("%-16s %12s\n", "Cache mounts", human_size(u.cache_mounts).c_str());
  std::printf("%-16s %12s\n", "Unused blobs", human_size(u.reclaimable_blobs).c_str());
  std::printf("%-16s %12s\n", "Temporary", human_size(u.temporary).c_str());
  std::printf("%-16s %12s\n", "Total",
              human_size(u.images + u.layers + u.build_cache + u.cache_mounts + u.reclaimable_blobs + u.temporary)
                  .c_str());
  return 0;
}

}  // namespace

void add_storage_commands(CLI::App& app, GlobalOptions& global, Action& action) {
  auto* du = app.add_subcommand("du", "Show the disk space the store uses, by kind");
  du->callback([&global, &action] { action = [&global] { return run_du(global); }; });

  auto f = std::make_shared<PruneFlags>();
  auto* prune = app.add_subcommand("prune", "Remove build cache (least recently used first)");
  prune->add_flag("-a,--all", f->all, "Also remove unpacked base layers, cache mounts and unused blobs");
  prune->add_option("--keep-storage", f->keep_storage, "Keep this much build cache (e.g. 10GB)");
  prune->add_option("--filter", f->filters, "until=DURATION: only cache unused for that long")
      ->allow_extra_args(false);
  prune->add_flag("-f,--force", f->force, "Do not ask (gantry never asks)");
  prune->callback([&global, &action, f] { action = [&global, f] { return run_prune(global, *f); }; });
}

}  // namespace gantry::cli

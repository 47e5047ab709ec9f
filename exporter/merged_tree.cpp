#include "exporter/merged_tree.h"

#include <map>

#include "exporter/overlay_form.h"
#include "exporter/tree_walk.h"

namespace gantry::exporter {

namespace fs = std::filesystem;

namespace {

struct Occurrence {
  fs::path path;
  struct stat st;
};

// `dirs_top_first`: the directories that make up `rel` in the merged view.
void walk_dir(const std::string& rel, const std::vector<fs::path>& dirs_top_first, const MergedVisitor& visit) {
  // Every name in any of the dirs, with its occurrences from the top down.
  std::map<std::string, std::vector<Occurrence>> children;
  for (const fs::path& dir : dirs_top_first)
    for (const std::string& name : sorted_names(dir)) children[name].push_back({dir / name, lstat_path(dir / name)});

  for (const auto& [name, occurrences] : children) {
    const Occurrence& top = occurrences.front();
    if (is_whiteout(top.st)) continue;
    const std::string child_rel = rel.empty() ? name : rel + "/" + name;
    visit(child_rel, top.path, top.st);
    if (!S_ISDIR(top.st.st_mode)) continue;
    // A directory merges with the directories below it, down to an opaque one or to the first
    // layer where the name is something else (a file or a whiteout hides everything below).
    std::vector<fs::path> merged;
    for (const Occurrence& o : occurrences) {
      if (!S_ISDIR(o.st.st_mode)) break;
      merged.push_back(o.path);
      if (is_opaque_dir(o.path)) break;
    }
    walk_dir(child_rel, merged, visit);
  }
}

}  // namespace

void walk_merged(const std::vector<fs::path>& layers_top_first, const MergedVisitor& visit) {
  walk_dir("", layers_top_first, visit);
}

}  // namespace gantry::exporter

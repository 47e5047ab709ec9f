#include "solver/context_listing.h"

#include <map>

namespace gantry::solver {

namespace {

constexpr int kFields = 4;  // path, mode, uid:gid, content hash or link target

// Path -> the entry's other fields, each entry once (a path checksummed twice is listed twice).
std::map<std::string_view, std::string_view> by_path(std::string_view listing) {
  std::map<std::string_view, std::string_view> out;
  std::size_t pos = 0;
  while (pos < listing.size()) {
    const std::size_t path_end = listing.find('\0', pos);
    std::size_t end = path_end;
    for (int field = 1; field < kFields && end != std::string_view::npos; ++field)
      end = listing.find('\0', end + 1);
    if (end == std::string_view::npos) break;  // a truncated entry: what came before stands
    out.emplace(listing.substr(pos, path_end - pos),
                listing.substr(path_end + 1, end - path_end - 1));
    pos = end + 1;
  }
  return out;
}

bool under(std::string_view path, const std::string& top) {
  return top.empty() || path == top ||
         (path.size() > top.size() && path.starts_with(top) && path[top.size()] == '/');
}

}  // namespace

std::string listing_under(std::string_view entries, const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& [path, fields] : by_path(entries))
    for (const auto& top : paths)
      if (under(path, top)) {
        out.append(path).append(1, '\0').append(fields).append(1, '\0');
        break;
      }
  return out;
}

std::string changed_paths(std::string_view before, std::string_view after, std::size_t named) {
  const auto old_entries = by_path(before), new_entries = by_path(after);
  std::vector<std::string_view> changed;
  auto o = old_entries.begin(), n = new_entries.begin();
  while (o != old_entries.end() || n != new_entries.end()) {
    if (n == new_entries.end() || (o != old_entries.end() && o->first < n->first)) {
      changed.push_back(o++->first);  // removed
    } else if (o == old_entries.end() || n->first < o->first) {
      changed.push_back(n++->first);  // added
    } else {
      if (o->second != n->second) changed.push_back(n->first);
      ++o, ++n;
    }
  }
  std::string out;
  for (std::size_t i = 0; i < changed.size() && i < named; ++i)
    out.append(i ? ", " : "").append(changed[i].empty() ? "." : changed[i]);
  if (changed.size() > named) out += " and " + std::to_string(changed.size() - named) + " more";
  return out;
}

}  // namespace gantry::solver

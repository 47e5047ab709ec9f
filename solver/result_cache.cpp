#include "solver/result_cache.h"

#include <algorithm>
#include <ctime>

#include <nlohmann/json.hpp>

#include "cache/garbage_collector.h"

namespace gantry::solver {

using nlohmann::json;

namespace {
std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::optional<Result> decode(cache::Store& store, const std::string& text, std::int64_t created) {
  Result r;
  r.created = created;
  const json record = json::parse(text);  // kept alive: the loop iterates inside it
  for (const auto& id : record.at("layers")) {
    r.layers.push_back(id.get<std::string>());
    if (!store.snapshots().exists(r.layers.back())) return std::nullopt;
  }
  return r;
}
}  // namespace

std::optional<Result> ResultCache::find(const Digest& key) {
  auto st = store_.db().prepare("SELECT result, created FROM cache_results WHERE key = ?");
  st.bind(1, key.str());
  if (!st.step()) return std::nullopt;
  std::optional<Result> result = decode(store_, st.text(0), st.integer(1));
  if (result) {
    std::lock_guard lock(used_mutex_);
    used_.push_back(key);
  }
  return result;
}

void ResultCache::mark_used() {
  std::vector<Digest> used;
  {
    std::lock_guard lock(used_mutex_);
    used.swap(used_);
  }
  if (used.empty()) return;
  // A key found twice in one build (two steps with one key, or the re-check after a step lock)
  // is one use of its record.
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  const auto t = now();
  cache::Database::Transaction tx(store_.db());
  auto st = store_.db().prepare("UPDATE cache_results SET last_used = ?, use_count = use_count + 1 WHERE key = ?");
  for (const Digest& key : used) {
    st.bind(1, t).bind(2, key.str());
    st.run();
    st.reset();
  }
  tx.commit();
}

Result ResultCache::record(const Digest& key, const Result& result, bool replace) {
  json layers = result.layers;
  const auto t = now();
  const auto created = result.created > 0 ? result.created : t;  // imported: when first built
  auto st = store_.db().prepare(
      replace ? "INSERT OR REPLACE INTO cache_results(key, result, created, last_used) "
                "VALUES(?, ?, ?, ?) RETURNING key"
              : "INSERT OR IGNORE INTO cache_results(key, result, created, last_used) "
                "VALUES(?, ?, ?, ?) RETURNING key");
  st.bind(1, key.str()).bind(2, json{{"layers", layers}}.dump()).bind(3, created).bind(4, t);
  if (st.step()) {  // a row was written (RETURNING yields nothing for an ignored insert)
    st.run();
    Result r = result;
    r.created = created;
    return r;
  }
  // Another build got there first: use its result so both agree.
  if (auto theirs = find(key)) return *theirs;
  return result;
}

void ResultCache::record_snapshot(const std::string& id) {
  auto t = now();
  // A snapshot holds one step's changes only, so measuring it is cheap; GC needs the size.
  store_.db()
      .prepare("INSERT OR IGNORE INTO snapshots(id, size, created, last_used) VALUES(?, ?, ?, ?)")
      .bind(1, id).bind(2, cache::directory_size(store_.snapshots().dir(id))).bind(3, t).bind(4, t).run();
}

}  // namespace gantry::solver

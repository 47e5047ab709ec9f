#include "solver/cache_explainer.h"

#include <nlohmann/json.hpp>

#include "solver/context_listing.h"

namespace gantry::solver {

using nlohmann::json;

namespace {

json encode(const KeyParts& parts) {
  json inputs = json::array();
  for (const auto& k : parts.inputs) inputs.push_back(k.str());
  return {{"op", parts.op}, {"content", parts.content}, {"inputs", inputs}};
}

// "KEY=VALUE" entries as a map (values compared, never printed: they may be sensitive).
std::map<std::string, std::string> env_map(const json& env) {
  std::map<std::string, std::string> out;
  for (const auto& e : env) {
    std::string kv = e.get<std::string>();
    auto eq = kv.find('=');
    out[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
  }
  return out;
}

std::string changed_env(const json& before, const json& after) {
  auto a = env_map(before), b = env_map(after);
  std::string names;
  for (const auto& [k, v] : b)
    if (!a.count(k) || a[k] != v) names += (names.empty() ? "" : ", ") + k;
  for (const auto& [k, v] : a)
    if (!b.count(k)) names += (names.empty() ? "" : ", ") + k;
  return names;
}

std::string short_source(const std::string& identifier) {
  auto at = identifier.rfind("@sha256:");
  std::string name = identifier.substr(0, at);
  if (name.starts_with("docker-image://")) name = name.substr(15);
  return at == std::string::npos ? name : name + "@" + identifier.substr(at + 8, 12);
}

std::string explain_op_change(const json& before, const json& after) {
  if (after.contains("source"))
    return "base image changed: " + short_source(before["source"].value("identifier", "")) +
           " -> " + short_source(after["source"].value("identifier", ""));
  if (after.contains("exec") && before.contains("exec")) {
    const json& b = before["exec"];
    const json& a = after["exec"];
    if (b.value("args", json()) != a.value("args", json())) return "the instruction changed";
    if (b.value("env", json()) != a.value("env", json()))
      return "build arg or env value changed: " + changed_env(b["env"], a["env"]);
    return "RUN options changed (user, workdir, mounts or network)";
  }
  return "the instruction changed";
}

}  // namespace

std::string CacheExplainer::step_id(const llb::Node& node) const {
  // "[stage-2 3/5] COPY ..." -> "stage-2 3": the step's place, stable while its text changes.
  const std::string& d = node.meta.description;
  std::string place = node.meta.location;
  if (d.starts_with("[")) {
    auto close = d.find(']');
    auto slash = d.rfind('/', close);
    if (close != std::string::npos && slash != std::string::npos) place = d.substr(1, slash - 1);
  }
  return build_identity_ + "|" + place;
}

std::string CacheExplainer::explain(const llb::Node& node, const KeyParts& parts,
                                    const std::vector<std::string>& input_descriptions) const {
  if (node.meta.ignore_cache) return "cache disabled (--no-cache)";
  json before;
  {
    auto st = db_.prepare("SELECT parts FROM step_history WHERE step = ?");
    st.bind(1, step_id(node));
    if (!st.step()) return "no earlier build of this step";
    before = json::parse(st.text(0), nullptr, false);
  }
  if (before.is_discarded()) return "no earlier build of this step";
  if (before.value("op", json()) != parts.op) return explain_op_change(before["op"], parts.op);
  const json& old_content = before.value("content", json::array());
  std::string files;
  for (std::size_t i = 0; i < parts.content.size(); ++i) {
    const json& entry = parts.content[i];
    std::string old_checksum;
    for (const auto& o : old_content)
      if (o.size() == 2 && o[0] == entry[0]) old_checksum = o[1].get<std::string>();
    if (old_checksum == entry[1]) continue;
    const ContextRead read{step_id(node), entry[0], entry[1], parts.content_dirs.at(i)};
    files += (files.empty() ? "" : ", ") + changed_files(read, old_checksum);
  }
  if (!files.empty()) return "context files changed: " + files;
  const json& old_inputs = before.value("inputs", json::array());
  for (std::size_t i = 0; i < parts.inputs.size(); ++i)
    if (i >= old_inputs.size() || old_inputs[i] != parts.inputs[i].str())
      return "the step it builds on changed: " +
             (i < input_descriptions.size() ? input_descriptions[i] : std::string("an input"));
  return "its cache record was pruned";
}

std::string CacheExplainer::changed_files(const ContextRead& read,
                                          const std::string& old_checksum) const {
  auto st = db_.prepare(
      "SELECT listing FROM step_context_listings WHERE step = ? AND path = ? AND checksum = ?");
  st.bind(1, read.step).bind(2, read.path).bind(3, old_checksum);
  if (!st.step()) return read.path;
  std::string names = changed_paths(st.text(0), keyer_.listing(read.dir, read.path));
  return names.empty() ? read.path : names;
}

void CacheExplainer::remember(const llb::Node& node, const KeyParts& parts) {
  const std::string step = step_id(node);
  pending_[step] = encode(parts).dump();
  for (std::size_t i = 0; i < parts.content.size(); ++i)
    pending_reads_.push_back(
        {step, parts.content[i][0], parts.content[i][1], parts.content_dirs.at(i)});
}

void CacheExplainer::save() {
  if (pending_.empty()) return;
  // Listed only where the checksum changed: an unchanged context costs a lookup per step.
  std::vector<std::pair<const ContextRead*, std::string>> listings;
  {
    auto known =
        db_.prepare("SELECT checksum FROM step_context_listings WHERE step = ? AND path = ?");
    for (const auto& read : pending_reads_) {
      known.bind(1, read.step).bind(2, read.path);
      if (!known.step() || known.text(0) != read.checksum)
        listings.emplace_back(&read, keyer_.listing(read.dir, read.path));
      known.reset();
    }
  }
  cache::Database::Transaction tx(db_);
  auto st = db_.prepare("INSERT OR REPLACE INTO step_history(step, parts) VALUES(?, ?)");
  for (const auto& [step, parts] : pending_) {
    st.bind(1, step).bind(2, parts);
    st.run();
    st.reset();
  }
  auto listed = db_.prepare(
      "INSERT OR REPLACE INTO step_context_listings(step, path, checksum, listing) "
      "VALUES(?, ?, ?, ?)");
  for (const auto& [read, listing] : listings) {
    listed.bind(1, read->step).bind(2, read->path).bind(3, read->checksum).bind(4, listing);
    listed.run();
    listed.reset();
  }
  tx.commit();
  pending_.clear();
  pending_reads_.clear();
}

}  // namespace gantry::solver

// Lowers a Dockerfile to an llb graph (see frontend.h for the contract).
//
// The build context is a single source node whose "followpaths" attr lists every context path
// the build reads, but those paths are only known once every needed stage has been walked, and
// nodes are immutable. So the stages are lowered twice: the first pass only records the paths,
// the second builds the real graph with the finished context node. Dockerfiles are small, and
// image lookups are cached across the passes, so this costs nothing noticeable.
#include "frontend/dockerfile/frontend.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "base/error.h"
#include "base/git_url.h"
#include "base/platform.h"
#include "base/scope_guard.h"
#include "base/symbolic_mode.h"
#include "frontend/dockerfile/dockerignore.h"
#include "frontend/dockerfile/file_checks.h"
#include "frontend/dockerfile/history_text.h"
#include "frontend/dockerfile/image_config.h"
#include "frontend/dockerfile/instructions.h"
#include "frontend/dockerfile/named_context.h"
#include "frontend/dockerfile/parser.h"
#include "frontend/dockerfile/run_mount.h"
#include "frontend/dockerfile/shell_lexer.h"
#include "frontend/dockerfile/stage_environment.h"
#include "frontend/dockerfile/syntax_directive.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

namespace {

using nlohmann::json;

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// How long a chain of stages may be, each needing the next (FROM <stage>, COPY --from, RUN
// --mount from): far longer than any real build, and far shorter than the stack holds (each
// stage is a few recursive calls).
constexpr int kMaxStageDepth = 256;

// How many steps (RUN, COPY, ADD, WORKDIR) deep the build graph may grow, counted through the
// stages and images a step builds on: docker's classic builder stops at 127 layers; every pass
// over the graph after the frontend (marshalling, solving, freeing it) walks it recursively, and
// 300,000 WORKDIR lines overflowed the stack.
constexpr int kMaxGraphDepth = 5000;

// Build args every RUN sees when given, without an ARG (and never written to history).
const std::set<std::string> kProxyArgs = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                          "FTP_PROXY",  "ftp_proxy",  "NO_PROXY",    "no_proxy",
                                          "ALL_PROXY",  "all_proxy"};

// Automatic platform args: usable in FROM lines, and in a stage after `ARG NAME`.
ShellEnv platform_args(const BuildOptions& options) {
  const Platform& target = options.target_platform;
  const Platform& build = options.build_platform;
  return {{"TARGETPLATFORM", target.str()}, {"TARGETOS", target.os}, {"TARGETARCH", target.architecture},
          {"TARGETVARIANT", target.variant},  {"BUILDPLATFORM", build.str()}, {"BUILDOS", build.os},
          {"BUILDARCH", build.architecture},  {"BUILDVARIANT", build.variant}};
}

struct StageDef {
  int index = 0;
  Instruction from;
  std::vector<Instruction> commands;
  const FromInstruction& from_body() const { return std::get<FromInstruction>(from.body); }
};

// The state of a stage while its instructions are applied.
struct StageState {
  llb::Output root;
  json image;
  Platform platform;  // what the stage is for: its FROM --platform, its base stage's, or the target's
  StageEnvironment vars;  // ARGs in scope that have a value, config Env, what words expand with
  std::vector<std::string> declared_args;  // every ARG of the stage, first declaration first
  std::vector<std::string> shell = {"/bin/sh", "-c"};
  bool cmd_set = false;
  std::string label;  // progress prefix name ("" for an unnamed single stage)
  int op_index = 0;
  int op_total = 0;
  bool ignore_cache = false;
  int index = 0;
  // For the build checks: where CMD, ENTRYPOINT and HEALTHCHECK were last set in this stage,
  // and whether a WORKDIR of its own was.
  int cmd_line = 0, entrypoint_line = 0, healthcheck_line = 0;
  bool workdir_set = false;
};

// The one local context source of the build.
struct ContextSource {
  bool collecting = true;      // first pass: only record paths
  std::set<std::string> paths;
  std::vector<std::string> exclude;
  std::optional<llb::Output> output;

  llb::Output get() {
    if (!output) {
      json follow = json::array();
      for (const std::string& p : paths) follow.push_back(p);
      output = llb::source(llb::SourceOp{"local://context",
                                         {{"exclude", json(exclude).dump()}, {"followpaths", follow.dump()}}},
                           {.description = "load build context"});
    }
    return *output;
  }
};

// "a/b/" -> "/a/b/": absolute inside its input, a trailing '/' kept.
std::string absolute_in_input(std::string_view path) {
  std::string cleaned = clean_path("/" + std::string(path));
  if (path.ends_with("/") && cleaned != "/") cleaned += '/';
  return cleaned;
}

bool is_url(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

bool is_ip_address(const std::string& text) {
  unsigned char address[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, text.c_str(), address) == 1 || ::inet_pton(AF_INET6, text.c_str(), address) == 1;
}

// A --chmod value, as BuildKit reads it: an octal number up to 07777, or else (Dockerfile
// 1.14+) a symbolic mode applied to each file's own mode.
struct Chmod {
  std::optional<std::uint32_t> mode;
  std::string symbolic;
  // The mode of a file made with `default_mode` (a heredoc source).
  std::uint32_t of_new_file(std::uint32_t default_mode) const {
    if (mode) return *mode;
    return symbolic.empty() ? default_mode : SymbolicMode::parse(symbolic).apply(default_mode, false);
  }
};

Chmod parse_chmod(const std::string& text, const std::function<void(const std::string&)>& fail) {
  if (text.empty()) return {};
  const std::string octal_error =
      "invalid chmod parameter: " + go_quote(text) + ": it should be an octal string between 0 and 07777 "
      "or a symbolic mode such as u+x,g=rx";
  if (text[0] >= '0' && text[0] <= '9') {
    std::uint32_t mode = 0;
    for (char c : text) {
      if (c < '0' || c > '7') fail(octal_error);
      mode = mode * 8 + static_cast<std::uint32_t>(c - '0');
      if (mode > 07777) fail(octal_error);
    }
    return {.mode = mode};
  }
  try {
    (void)SymbolicMode::parse(text);
  } catch (const Error& e) {
    fail(e.what());
  }
  return {.symbolic = text};
}

// COPY --parents SRC: the directory the copy starts from and what below it it copies, split at
// a `/./` pivot as rsync --relative splits it ("x/./y/*.txt" -> "x", "y/*.txt"); without one
// the parents are kept from the root of the source.
std::pair<std::string, std::string> split_at_pivot(const std::string& src) {
  const std::size_t pivot = src.find("/./");
  if (pivot == std::string::npos) return {"/", src};
  return {src.substr(0, pivot), src.substr(pivot + 3)};
}

std::optional<llb::Chown> parse_chown(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t colon = text.find(':');
  if (colon == std::string::npos) return llb::Chown{text, ""};
  return llb::Chown{text.substr(0, colon), text.substr(colon + 1)};
}

class Lowerer {
 public:
  // `checks` (null: none) gets the warnings of the checks made while stages are lowered;
  // `ignored` is the .dockerignore (null: none) CopyIgnoredFile compares COPY sources with.
  Lowerer(const BuildOptions& options, const std::vector<StageDef>& stages, const ShellEnv& global_args,
          std::map<std::string, ImageInfo>& images, std::map<std::string, NamedContext>& named,
          ContextSource& context, char escape, CheckReport* checks = nullptr,
          const std::vector<std::string>* ignored = nullptr)
      : options_(options), stages_(stages), global_args_(global_args), images_(images), named_(named),
        context_(context),
        lexer_(ShellLexerOptions{.escape = escape}), escape_(escape), results_(stages.size()),
        in_progress_(stages.size(), false), checks_(checks), ignored_(ignored) {
    for (const StageDef& def : stages_)
      if (!def.from_body().stage_name.empty()) stage_by_name_.emplace(def.from_body().stage_name, def.index);
  }

  const StageState& stage(int index) {
    if (results_[index]) return *results_[index];
    const StageDef& def = stages_[index];
    if (in_progress_[index]) fail(def.from, "circular dependency between build stages");
    if (chain_depth_ == kMaxStageDepth)
      fail(def.from, "stage needed through a chain of more than " + std::to_string(kMaxStageDepth) +
                         " stages (FROM, COPY --from or RUN --mount from another stage)");
    in_progress_[index] = true;
    ++chain_depth_;  // a failure ends the whole lowering: the count need not come back down then
    // A named context of the stage's name replaces the whole stage, as in BuildKit.
    const NamedContext* replacement = named_context(def.from_body().stage_name, def.from);
    StageState st = replacement ? replaced_stage(def, *replacement) : start(def);
    if (!replacement)
      for (const Instruction& ins : def.commands) apply(st, ins);
    --chain_depth_;
    results_[index] = std::move(st);
    return *results_[index];
  }

  std::vector<std::string> warnings;
  std::set<std::string> consumed_args;
  // For --call=outline, from the stages lowered: the ARGs they declare (but those that take a
  // global ARG's value), the global ARGs they use, and the secrets and SSH agents they mount.
  std::map<std::string, OutlineArg> outline_args;
  std::set<std::string> used_global_args;
  std::vector<OutlineMount> secrets, ssh;

 private:
  [[noreturn]] void fail(const Instruction& ins, const std::string& what) const {
    throw Error(options_.dockerfile_name + ":" + std::to_string(ins.line) + ": " + what);
  }

  std::string expand(const ShellEnv& env, const Instruction& ins, std::string_view word) const {
    try {
      if (!undefined_) return lexer_.process_word(word, env);
      std::set<std::string> referenced;
      std::string expanded = lexer_.process_word(word, env, &referenced);
      for (const std::string& name : referenced)
        if (!env.count(name)) undefined_->insert(name);
      return expanded;
    } catch (const Error& e) {
      fail(ins, e.what());
    }
  }

  // A build check's warning about `ins`, when checks are made.
  void warn(const CheckRule& rule, const Instruction& ins, std::string message, int line = 0) const {
    if (checks_) checks_->add(rule, line ? line : ins.line, line ? line : ins.end_line, std::move(message), ins.comments);
  }

  llb::OpMetadata meta(StageState& st, const Instruction& ins, const std::string& text) const {
    std::string prefix;
    if (st.op_total > 0) {
      st.op_index = std::min(st.op_index + 1, st.op_total);
      int width = static_cast<int>(std::to_string(st.op_total).size());
      std::string index = std::to_string(st.op_index);
      prefix = "[" + (st.label.empty() ? "" : st.label + " ") + std::string(width - index.size(), ' ') + index +
               "/" + std::to_string(st.op_total) + "] ";
    }
    return {prefix + text, options_.dockerfile_name + ":" + std::to_string(ins.line), st.ignore_cache};
  }

  const ImageInfo& image(const std::string& ref, const Platform& platform, const Instruction& ins) {
    const std::string key = ref + "\n" + platform.str();
    auto it = images_.find(key);
    if (it != images_.end()) return it->second;
    if (!options_.resolve_image) fail(ins, "cannot resolve image " + go_quote(ref) + ": no image resolver given");
    ImageInfo info;
    try {
      info = options_.resolve_image(ref, platform);
    } catch (const Error& e) {
      fail(ins, e.what());
    }
    return images_.emplace(key, std::move(info)).first->second;
  }

  // `step`, a new node, after its depth (one more than its deepest input's) is recorded, or an
  // error when that is more than kMaxGraphDepth.
  llb::Output deepened(llb::Output step, const Instruction& ins) {
    int depth = 0;
    for (const llb::Output& input : step.node->inputs) {
      if (!input.node) continue;
      auto known = depth_.find(input.node);
      depth = std::max(depth, known == depth_.end() ? 1 : known->second);  // a source: a leaf
    }
    if (++depth > kMaxGraphDepth)
      fail(ins, "the build is more than " + std::to_string(kMaxGraphDepth) +
                    " steps deep here (RUN, COPY, ADD and WORKDIR, through the stages they build on)");
    depth_[step.node] = depth;
    return step;
  }

  llb::Output image_source(const ImageInfo& info, llb::OpMetadata meta) const {
    return llb::source(
        llb::SourceOp{"docker-image://" + info.ref + "@" + info.manifest_digest.str(), {}}, std::move(meta));
  }

  // The --build-context that `name` (a FROM base, a stage name, a --from value) stands for, or
  // nothing when none does.
  const NamedContext* named_context(const std::string& name, const Instruction& ins) {
    if (name.empty() || options_.named_contexts.empty()) return nullptr;
    const std::optional<std::string> key = find_named_context_key(name);
    if (!key || !options_.named_contexts.count(*key)) return nullptr;
    if (auto it = named_.find(*key); it != named_.end()) return &it->second;
    if (!options_.resolve_named_context)
      fail(ins, "build context " + go_quote(*key) + ": no context resolver given");
    NamedContext context;
    try {
      context = options_.resolve_named_context(*key);
    } catch (const Error& e) {
      fail(ins, e.what());
    }
    return &named_.emplace(*key, std::move(context)).first->second;
  }

  // The files of a named context, as COPY --from and RUN --mount=from read them.
  llb::Output named_files(const NamedContext& named, const std::string& name) const {
    if (named.image) return image_source(*named.image, {.description = "[context " + name + "] load " + named.image->ref});
    return llb::source(llb::SourceOp{"local://" + named.local_source, {}},
                       {.description = "[context " + name + "] load build context"});
  }

  // The stage's base: the image's files and its config, less what a new image sets anew.
  void base_on_image(StageState& st, const ImageInfo& info, llb::OpMetadata meta) const {
    st.root = image_source(info, std::move(meta));
    st.image = info.config.is_object() ? info.config : json::object();
    st.image.erase("rootfs");
    st.image.erase("created");
    if (!st.image.contains("architecture")) st.image["architecture"] = st.platform.architecture;
    if (!st.image.contains("os")) st.image["os"] = st.platform.os;
    if (!st.image["config"].is_object()) st.image["config"] = json::object();
    if (!st.image["history"].is_array()) st.image["history"] = json::array();
    // find, not operator[]: that would add "Shell": null to every image built on this one.
    const json& config = st.image["config"];
    if (const auto shell = config.find("Shell"); shell != config.end() && shell->is_array() && !shell->empty())
      st.shell = shell->get<std::vector<std::string>>();
  }

  // The stage's base is a named context: its image, or its directory's files copied onto
  // scratch (a stage's root is a layer stack) with an empty config.
  void base_on_named(StageState& st, const NamedContext& named, const std::string& name, llb::OpMetadata meta) const {
    if (named.image) return base_on_image(st, *named.image, std::move(meta));
    st.root = directory_layer(named, name, std::move(meta));
    st.image = empty_image_config(st.platform);
  }

  // A directory context's files copied onto scratch: a layer, where a local source is no input.
  llb::Output directory_layer(const NamedContext& named, const std::string& name, llb::OpMetadata meta) const {
    llb::FileOp copy{.dest_input = 0, .actions = {llb::FileCopy{.src_input = 1, .src = "/", .dest = "/"}}};
    return llb::file(std::move(copy), {llb::Output{}, named_files(named, name)}, std::move(meta));
  }

  // A stage that a named context of its name replaces: that context, none of its instructions.
  StageState replaced_stage(const StageDef& def, const NamedContext& named) const {
    const std::string& name = def.from_body().stage_name;
    StageState st;
    st.index = def.index;
    st.platform = options_.target_platform;
    st.label = name;
    st.op_total = 1;
    base_on_named(st, named, name, meta(st, def.from, "FROM " + name + " (build context)"));
    if (!get_env(st.image, "PATH")) set_env(st.image, "PATH", kDefaultPath);
    st.vars = StageEnvironment(st.image);
    return st;
  }

  // A stage named `ref` (or numbered) defined before stage `current`, or -1.
  int find_stage(const std::string& ref, int current, const Instruction& ins) const {
    if (!ref.empty() && std::all_of(ref.begin(), ref.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      int index = ref.size() > 6 ? INT32_MAX : std::stoi(ref);
      if (index >= current) fail(ins, "invalid from flag value " + ref + ": refers to current or future build stage");
      return index;
    }
    auto named = stage_by_name_.find(to_lower(ref));
    return named != stage_by_name_.end() && named->second < current ? named->second : -1;
  }

  // The filesystem named by --from (a stage, a named context or an image); "" = the build context.
  llb::Output source_named(const std::string& from, const StageState& st, const Instruction& ins) {
    if (from.empty()) return context_.get();
    int index = find_stage(from, st.index, ins);
    if (index >= 0) return stage(index).root;
    if (const NamedContext* named = named_context(from, ins)) return named_files(*named, from);
    return image_source(image(from, st.platform, ins), {.description = "load " + from});
  }

  StageState start(const StageDef& def) {
    const FromInstruction& from = def.from_body();
    StageState st;
    st.index = def.index;
    st.label = !from.stage_name.empty() ? from.stage_name : stages_.size() > 1 ? "stage-" + std::to_string(def.index) : "";
    st.op_total = 1 + static_cast<int>(std::count_if(def.commands.begin(), def.commands.end(), makes_step));
    // Stage names are matched as FROM ... AS declares them: without regard to case.
    st.ignore_cache = options_.no_cache || options_.no_cache_stages.count(std::to_string(def.index)) > 0 ||
                      std::any_of(options_.no_cache_stages.begin(), options_.no_cache_stages.end(),
                                  [&](const std::string& name) { return !from.stage_name.empty() && iequals(name, from.stage_name); });

    ShellEnv from_env = global_args_;
    std::string ref = expand(from_env, def.from, from.image);
    for (const std::string& word : {from.image, from.platform}) {
      try {
        (void)lexer_.process_word(word, from_env, &used_global_args);
      } catch (const Error&) {  // expanded above, or below with the error reported
      }
    }
    if (ref.empty()) fail(def.from, "base name (" + from.image + ") should not be blank");
    std::optional<Platform> given_platform;
    if (!from.platform.empty()) {
      try {
        given_platform = Platform::parse(expand(from_env, def.from, from.platform));
      } catch (const UsageError& e) {
        fail(def.from, std::string("FROM --platform: ") + e.what());
      }
    }
    st.platform = given_platform.value_or(options_.target_platform);
    int base_stage = find_stage(ref, def.index, def.from);
    if (iequals(ref, "scratch")) {
      st.image = empty_image_config(st.platform);
      meta(st, def.from, "FROM scratch");
    } else if (base_stage >= 0) {
      const StageState& base = stage(base_stage);
      st.root = base.root;
      st.image = base.image;
      st.shell = base.shell;
      if (!given_platform) st.platform = base.platform;
      meta(st, def.from, "FROM " + ref);
    } else if (const NamedContext* named = named_context(ref, def.from)) {
      base_on_named(st, *named, ref, meta(st, def.from, "FROM " + ref + " (build context)"));
    } else {
      const ImageInfo& info = image(ref, st.platform, def.from);
      check_base_platform(ref, info, st.platform, def.from);
      base_on_image(st, info, meta(st, def.from, "FROM " + info.ref));
    }
    if (!get_env(st.image, "PATH")) set_env(st.image, "PATH", kDefaultPath);
    st.vars = StageEnvironment(st.image);
    // ONBUILD triggers of the base run first, in the child stage, numbered as its first steps.
    const std::vector<Instruction> triggers = onbuild_triggers(st, def.from);
    st.op_total += static_cast<int>(std::count_if(triggers.begin(), triggers.end(), makes_step));
    for (const Instruction& ins : triggers) apply(st, ins);
    return st;
  }

  // The instructions that make a step of their own (and a number in "[2/5]").
  static bool makes_step(const Instruction& ins) {
    return ins.keyword == "RUN" || ins.keyword == "COPY" || ins.keyword == "ADD" || ins.keyword == "WORKDIR";
  }

  // The ONBUILD triggers of the base image, taken out of the config: they are not inherited further.
  std::vector<Instruction> onbuild_triggers(StageState& st, const Instruction& from) const {
    json& config = st.image["config"];
    const json triggers = config.contains("OnBuild") && config["OnBuild"].is_array() ? config["OnBuild"] : json::array();
    config.erase("OnBuild");
    std::vector<Instruction> out;
    for (const json& trigger : triggers) {
      if (!trigger.is_string()) continue;
      std::string name = options_.dockerfile_name + ":" + std::to_string(from.line) + ": ONBUILD trigger";
      Ast ast = parse(trigger.get<std::string>(), name);
      for (const Node& node : ast.nodes()) {
        Instruction& ins = out.emplace_back(parse_instruction(ast, node, name));
        ins.line = from.line;
      }
    }
    return out;
  }

  void apply(StageState& st, const Instruction& ins) {
    if (!checks_) {
      std::visit([&](const auto& body) { apply(st, ins, body); }, ins.body);
      return;
    }
    // UndefinedVar: the names the instruction's words referenced while they were not set. A
    // COPY --from may lower another stage meanwhile, with sets of its own.
    std::set<std::string> undefined;
    std::set<std::string>* const outer = std::exchange(undefined_, &undefined);
    ScopeGuard restore([&]() noexcept { undefined_ = outer; });
    std::visit([&](const auto& body) { apply(st, ins, body); }, ins.body);
    if (undefined.empty()) return;  // most instructions: nothing to look up
    const std::set<std::string> declared(st.declared_args.begin(), st.declared_args.end());
    check_undefined_vars(undefined, st.vars.expansion(), declared, ins.line, ins.end_line, ins.comments, *checks_);
  }

  // InvalidBaseImagePlatform: an image of another platform than the stage's.
  void check_base_platform(const std::string& ref, const ImageInfo& info, const Platform& expected,
                           const Instruction& from) const {
    if (!checks_ || !info.config.is_object()) return;
    const auto actual = Platform::from_json(info.config);
    if (actual && (actual->os != expected.os || actual->architecture != expected.architecture))
      warn(check_rules::kInvalidBaseImagePlatform, from,
           "Base image " + ref + " was pulled with platform " + go_quote(actual->str()) + ", expected " +
               go_quote(expected.str()) + " for current build");
  }

  // MultipleInstructionsDisallowed: of two CMDs (ENTRYPOINTs, HEALTHCHECKs) in a stage, the
  // first is the one that does nothing, and the one pointed at.
  void check_used_once(int* last_line, const Instruction& ins) const {
    if (*last_line)
      warn(check_rules::kMultipleInstructionsDisallowed, ins,
           "Multiple " + ins.keyword + " instructions should not be used in the same stage because only the last one will be used",
           *last_line);
    *last_line = ins.line;
  }

  // JSONArgsRecommended: a shell-form CMD or ENTRYPOINT where no SHELL was chosen.
  void check_json_args(const StageState& st, const Instruction& ins, bool shell_form) const {
    const json& config = st.image["config"];
    const auto shell = config.find("Shell");
    if (shell_form && (shell == config.end() || !shell->is_array() || shell->empty()))
      warn(check_rules::kJSONArgsRecommended, ins,
           "JSON arguments recommended for " + ins.keyword + " to prevent unintended behavior related to OS signals");
  }

  void check_key_values(const Instruction& ins, const std::vector<KeyValue>& pairs) const {
    for (const KeyValue& kv : pairs)
      if (kv.legacy_form)
        warn(check_rules::kLegacyKeyValueFormat, ins,
             "\"" + ins.keyword + " key=value\" should be used instead of legacy \"" + ins.keyword + " key value\" format");
  }

  void check_secret_name(const Instruction& ins, const std::string& name) const {
    if (names_a_secret(name))
      warn(check_rules::kSecretsUsedInArgOrEnv, ins,
           "Do not use ARG or ENV instructions for sensitive data (" + ins.keyword + " " + go_quote(name) + ")");
  }

  // CopyIgnoredFile: a context source the .dockerignore leaves out. As BuildKit, only for a
  // .dockerignore without `!` re-includes, which would take more than a look at the names.
  void check_ignored_source(const Instruction& ins, const CopyInstruction& c, const std::string& src) const {
    if (!checks_ || !ignored_ || ignored_->empty()) return;
    if (std::any_of(ignored_->begin(), ignored_->end(), [](const std::string& p) { return p.starts_with("!"); })) return;
    std::string path = clean_path(src);
    if (path == "." || path == "/") {
      // The context's root is left out only by a pattern that leaves out all of it.
      if (std::none_of(ignored_->begin(), ignored_->end(),
                       [](const std::string& p) { return p == "*" || p == "**" || p == "**/*"; }))
        return;
    }
    const DockerignoreMatcher matcher(*ignored_);
    bool excluded = false;
    for (std::string at = path; !excluded && !at.empty() && at != "." && at != "/";) {
      excluded = matcher.excluded(at);
      const std::size_t slash = at.rfind('/');
      at = slash == std::string::npos ? "" : at.substr(0, slash);
    }
    if (excluded || ((path == "." || path == "/") && matcher.excluded("*")))
      warn(check_rules::kCopyIgnoredFile, ins,
           std::string("Attempting to ") + (c.is_add ? "Add" : "Copy") + " file " + go_quote(path) +
               " that is excluded by .dockerignore");
  }

  void apply(StageState&, const Instruction& ins, const FromInstruction&) {
    fail(ins, "FROM cannot be used here");
  }

  void apply(StageState& st, const Instruction& ins, const ArgInstruction& arg) {
    // The defaults of one ARG see the ARGs before them in it, even one that an ENV of the same
    // name hides from the instructions after: only then is the environment copied.
    std::optional<ShellEnv> seen_here;
    std::string history = "ARG";
    for (const ArgDeclaration& decl : arg.args) {
      std::optional<std::string> value;
      if (auto it = options_.build_args.find(decl.name); it != options_.build_args.end()) {
        value = it->second;
      } else if (decl.default_value) {
        value = expand(seen_here ? *seen_here : st.vars.expansion(), ins, *decl.default_value);
      } else if (auto g = global_args_.find(decl.name); g != global_args_.end()) {
        value = g->second;
      }
      if (!value || decl.default_value || options_.build_args.count(decl.name) || !global_args_.count(decl.name))
        outline_args[decl.name] = {decl.name, value.value_or(""), description_of(decl.name, ins.comments), ins.line};
      else
        used_global_args.insert(decl.name);
      consumed_args.insert(decl.name);
      check_secret_name(ins, decl.name);
      history += " " + decl.name + (value ? "=" + *value : "");
      if (std::find(st.declared_args.begin(), st.declared_args.end(), decl.name) == st.declared_args.end())
        st.declared_args.push_back(decl.name);
      if (!value) continue;
      st.vars.set_arg(decl.name, *value);
      if (!seen_here && st.vars.has_env(decl.name)) seen_here = st.vars.expansion();
      if (seen_here) (*seen_here)[decl.name] = *value;
    }
    add_history(st.image, history, false);
  }

  std::vector<std::pair<std::string, std::string>> expand_pairs(const StageState& st, const Instruction& ins,
                                                                const std::vector<KeyValue>& pairs) const {
    const ShellEnv& env = st.vars.expansion();
    std::vector<std::pair<std::string, std::string>> out;
    for (const KeyValue& kv : pairs) {
      std::string key = expand(env, ins, kv.key);
      if (key.empty()) fail(ins, ins.keyword + " names can not be blank");
      out.emplace_back(key, expand(env, ins, kv.value));
    }
    return out;
  }

  void apply(StageState& st, const Instruction& ins, const EnvInstruction& e) {
    std::string history = "ENV";
    check_key_values(ins, e.vars);
    for (const auto& [k, v] : expand_pairs(st, ins, e.vars)) {
      check_secret_name(ins, k);
      st.vars.set_env(st.image, k, v);
      history += " " + k + "=" + v;
    }
    add_history(st.image, history, false);
  }

  void apply(StageState& st, const Instruction& ins, const LabelInstruction& l) {
    std::string history = "LABEL";
    check_key_values(ins, l.labels);
    for (const auto& [k, v] : expand_pairs(st, ins, l.labels)) {
      st.image["config"]["Labels"][k] = v;
      history += " " + k + "=" + v;
    }
    add_history(st.image, history, false);
  }

  void apply(StageState& st, const Instruction&, const MaintainerInstruction& m) {
    st.image["author"] = m.name;
    add_history(st.image, "MAINTAINER " + m.name, false);
  }

  std::vector<std::string> command_args(const StageState& st, const std::vector<std::string>& args, bool shell_form) const {
    if (!shell_form) return args;
    std::vector<std::string> out = st.shell;
    out.push_back(args.empty() ? "" : args[0]);
    return out;
  }

  void apply(StageState& st, const Instruction& ins, const CmdInstruction& c) {
    check_used_once(&st.cmd_line, ins);
    check_json_args(st, ins, c.shell_form);
    json cmd = command_args(st, c.args, c.shell_form);
    st.image["config"]["Cmd"] = cmd;
    st.image["config"]["ArgsEscaped"] = true;  // BuildKit sets it for every CMD, for docker's sake
    st.cmd_set = true;
    add_history(st.image, "CMD " + go_quote_list(cmd), false);
  }

  void apply(StageState& st, const Instruction& ins, const EntrypointInstruction& e) {
    check_used_once(&st.entrypoint_line, ins);
    check_json_args(st, ins, e.shell_form);
    json entrypoint = command_args(st, e.args, e.shell_form);
    st.image["config"]["Entrypoint"] = entrypoint;
    // A new ENTRYPOINT makes an inherited CMD meaningless; one set in this stage stays.
    if (!st.cmd_set) st.image["config"]["Cmd"] = nullptr;
    add_history(st.image, "ENTRYPOINT " + go_quote_list(entrypoint), false);
  }

  void apply(StageState& st, const Instruction&, const ShellInstruction& s) {
    st.shell = s.shell;
    st.image["config"]["Shell"] = s.shell;
    add_history(st.image, "SHELL " + go_list(s.shell), false);
  }

  void apply(StageState& st, const Instruction& ins, const UserInstruction& u) {
    std::string user = expand(st.vars.expansion(), ins, u.user);
    st.image["config"]["User"] = user;
    add_history(st.image, "USER " + user, false);
  }

  void apply(StageState& st, const Instruction& ins, const ExposeInstruction& e) {
    const ShellEnv& env = st.vars.expansion();
    std::set<std::string> exposed;
    for (const std::string& word : e.ports) {
      std::vector<std::string> ports;
      try {
        ports = lexer_.process_words(word, env);
      } catch (const Error& err) {
        fail(ins, err.what());
      }
      for (const std::string& spec : ports) {
        const std::string port = exposed_port(ins, spec);
        std::vector<std::string> keys;
        try {
          keys = expand_port_range(port);
        } catch (const Error& err) {
          fail(ins, err.what());
        }
        for (const std::string& key : keys) {
          st.image["config"]["ExposedPorts"][key] = json::object();
          exposed.insert(key);
        }
      }
    }
    add_history(st.image, "EXPOSE " + go_port_set(exposed), false);
  }

  // The container port of an EXPOSE word. As BuildKit, "[ip:][hostport:]port[/proto]" is taken,
  // the address and host port checked and dropped (they mean nothing in an image), with a
  // warning; so is a protocol not in lower case.
  std::string exposed_port(const Instruction& ins, const std::string& spec) const {
    const std::size_t last_colon = spec.rfind(':');
    const std::string port = last_colon == std::string::npos ? spec : spec.substr(last_colon + 1);
    const std::size_t slash = port.find('/');
    if (slash != std::string::npos && port.substr(slash + 1) != to_lower(port.substr(slash + 1)))
      warn(check_rules::kExposeProtoCasing, ins, "Defined protocol '" + spec + "' in EXPOSE instruction should be lowercase");
    if (last_colon == std::string::npos) return port;
    warn(check_rules::kExposeInvalidFormat, ins,
         "EXPOSE instruction should not define an IP address or host-port mapping, found '" + spec + "'");
    const std::string front = spec.substr(0, last_colon);
    const std::size_t host_colon = front.rfind(':');
    const std::string host_port = host_colon == std::string::npos ? front : front.substr(host_colon + 1);
    std::string ip = host_colon == std::string::npos ? "" : front.substr(0, host_colon);
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    if (!ip.empty() && !is_ip_address(ip)) fail(ins, "invalid IP address: " + ip);
    if (!host_port.empty()) {
      try {
        (void)expand_port_range(host_port);
      } catch (const Error&) {
        fail(ins, "invalid hostPort: " + host_port);
      }
    }
    return port;
  }

  void apply(StageState& st, const Instruction& ins, const VolumeInstruction& v) {
    const ShellEnv& env = st.vars.expansion();
    std::string history = "VOLUME [";
    bool first = true;
    for (const std::string& word : v.paths) {
      std::string path = expand(env, ins, word);
      if (trim_space(path).empty()) fail(ins, "VOLUME specified can not be an empty string");
      st.image["config"]["Volumes"][path] = json::object();
      history += (first ? "" : " ") + path;
      first = false;
    }
    add_history(st.image, history + "]", false);
  }

  void apply(StageState& st, const Instruction& ins, const StopSignalInstruction& s) {
    std::string signal = expand(st.vars.expansion(), ins, s.signal);
    bool numeric = !signal.empty() && std::all_of(signal.begin(), signal.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric && !(signal.size() > 3 && iequals(signal.substr(0, 3), "SIG")))
      fail(ins, "Invalid signal: " + signal);
    st.image["config"]["StopSignal"] = signal;
    add_history(st.image, "STOPSIGNAL " + signal, false);
  }

  void apply(StageState& st, const Instruction& ins, const HealthcheckInstruction& h) {
    check_used_once(&st.healthcheck_line, ins);
    json hc = {{"Test", h.none ? json::array({"NONE"}) : json(h.test)}};
    if (h.interval_ns) hc["Interval"] = h.interval_ns;
    if (h.timeout_ns) hc["Timeout"] = h.timeout_ns;
    if (h.start_period_ns) hc["StartPeriod"] = h.start_period_ns;
    if (h.start_interval_ns) hc["StartInterval"] = h.start_interval_ns;
    if (h.retries) hc["Retries"] = h.retries;
    st.image["config"]["Healthcheck"] = hc;
    add_history(st.image, "HEALTHCHECK " + go_healthcheck(hc["Test"], h), false);
  }

  void apply(StageState& st, const Instruction&, const OnbuildInstruction& o) {
    // BuildKit keeps the trigger in the config only: no history entry.
    st.image["config"]["OnBuild"].push_back(o.expression);
  }

  std::string working_dir(const StageState& st) const {
    const json& config = st.image["config"];
    if (config.contains("WorkingDir") && config["WorkingDir"].is_string() && !config["WorkingDir"].get<std::string>().empty())
      return config["WorkingDir"].get<std::string>();
    return "/";
  }

  std::string user(const StageState& st) const {
    const json& config = st.image["config"];
    return config.contains("User") && config["User"].is_string() ? config["User"].get<std::string>() : "";
  }

  // `path` made absolute against the working directory; a trailing '/' kept. "" is the working
  // directory as "." is (BuildKit's reading): a directory, which matters where the copy cannot
  // see that it is one (--link).
  std::string resolve_dest(const StageState& st, const std::string& path) const {
    std::string joined = path.starts_with("/") ? path : working_dir(st) + "/" + path;
    std::string cleaned = clean_path(joined);
    if ((path.ends_with("/") || path.ends_with("/.") || path == "." || path.empty()) && cleaned != "/") cleaned += '/';
    return cleaned;
  }

  void apply(StageState& st, const Instruction& ins, const WorkdirInstruction& w) {
    std::string path = expand(st.vars.expansion(), ins, w.path);
    if (path.empty()) fail(ins, "WORKDIR requires a non-empty path");
    // Only the stage's first WORKDIR: the later ones are relative to it.
    if (!st.workdir_set && !path.starts_with("/"))
      warn(check_rules::kWorkdirRelativePath, ins,
           "Relative workdir " + go_quote(path) + " can have unexpected results if the base image changes");
    st.workdir_set = true;
    std::string dir = clean_path(path.starts_with("/") ? path : working_dir(st) + "/" + path);
    st.image["config"]["WorkingDir"] = dir;
    // The root always exists: BuildKit makes no step and no layer for it.
    const bool makes_dir = dir != "/";
    if (makes_dir) {
      llb::FileOp op{.dest_input = 0, .actions = {llb::FileMkdir{.path = dir, .mode = 0755, .make_parents = true,
                                                                 .chown = parse_chown(user(st))}}};
      st.root = deepened(llb::file(std::move(op), {st.root}, meta(st, ins, "WORKDIR " + dir)), ins);
    }
    add_history(st.image, "WORKDIR " + dir, makes_dir);
  }

  // A --exclude or --parents pattern is matched as a .dockerignore line: refused here, with its
  // line, where a .dockerignore's would be (not text, longer than any path), and where it would
  // not be read as exactly one pattern (a comment, blank, more than one line).
  void check_pattern(const std::string& flag, const std::string& pattern, const Instruction& ins) {
    std::vector<std::string> read;
    try {
      read = read_dockerignore(pattern, flag);
    } catch (const Error& e) {
      fail(ins, e.what());
    }
    if (read.size() != 1)
      fail(ins, flag + " " + go_quote(pattern) + ": not one pattern (it is blank, a `#` comment or more than one line)");
  }

  // ADD <git url>: the repository as a source input, its flags agreeing with the URL's query.
  void add_git_source(const GitUrl& url, const CopyInstruction& c, const std::string& checksum,
                      const Instruction& ins, std::vector<llb::Output>& inputs) const {
    if (c.keep_git_dir && url.keep_git_dir == false) fail(ins, "inconsistent keep-git-dir configuration");
    if (!checksum.empty() && !url.checksum.empty() && checksum != url.checksum)
      fail(ins, "checksum mismatch " + go_quote(checksum) + " != " + go_quote(url.checksum));
    std::map<std::string, std::string> attrs;
    if (!url.ref.empty()) attrs["ref"] = url.ref;
    if (!url.subdir.empty()) attrs["subdir"] = url.subdir;
    if (!checksum.empty() || !url.checksum.empty()) attrs["checksum"] = checksum.empty() ? url.checksum : checksum;
    if (c.keep_git_dir || url.keep_git_dir.value_or(false)) attrs["keep-git-dir"] = "true";
    if (url.submodules == false) attrs["submodules"] = "false";
    inputs.push_back(llb::source(llb::SourceOp{llb::kGitSourcePrefix + url.remote, std::move(attrs)},
                                 {.description = "load git source " + url.shown(),
                                  .location = options_.dockerfile_name + ":" + std::to_string(ins.line)}));
  }

  void apply(StageState& st, const Instruction& ins, const CopyInstruction& c) {
    const ShellEnv& env = st.vars.expansion();
    auto fail_here = [&](const std::string& what) { fail(ins, what); };
    std::string dest = resolve_dest(st, expand(env, ins, c.dest));
    if (c.sources.size() + c.inline_files.size() > 1 && !dest.ends_with("/"))
      fail(ins, "When using " + ins.keyword + " with more than one source file, the destination must be a directory and end with a /");
    const Chmod chmod = parse_chmod(expand(env, ins, c.chmod), fail_here);
    std::optional<llb::Chown> chown = parse_chown(expand(env, ins, c.chown));
    if (c.link && chown) chown = numeric_chown(*chown, ins);
    std::string from = expand(env, ins, c.from);
    std::vector<std::string> excludes;
    for (const std::string& e : c.excludes) {
      excludes.push_back(expand(env, ins, e));
      check_pattern("--exclude", excludes.back(), ins);
    }
    std::vector<std::string> sources;
    std::map<std::string, GitUrl> git_sources;  // ADD's Git sources, by their text
    for (const std::string& word : c.sources) {
      sources.push_back(expand(env, ins, word));
      if (!c.is_add) continue;
      try {
        if (auto git = parse_git_url(sources.back(), GitUrlUse::Add)) git_sources.emplace(sources.back(), *git);
      } catch (const Error& e) {
        fail(ins, e.what());
      }
    }
    // --keep-git-dir only says what to do with a Git source: with none it would do nothing.
    if (c.keep_git_dir && git_sources.empty()) fail(ins, "--keep-git-dir: only for Git sources");
    // As BuildKit: the checksum verifies one downloaded file or the commit of one Git source;
    // given with anything else it would verify nothing.
    const std::string checksum = expand(env, ins, c.checksum);
    if (!c.checksum.empty()) {
      if (sources.size() + c.inline_files.size() != 1) fail(ins, "checksum can't be specified for multiple sources");
      if (sources.empty() || (!is_url(sources[0]) && git_sources.empty()))
        fail(ins, "checksum requires HTTP(S) or Git sources");
    }

    // --link copies onto scratch: a layer of its own, which reads nothing of the stage and so
    // keeps its cache (and its blob) when a step before it changes; merged on top below.
    llb::FileOp op{.dest_input = 0};
    std::vector<llb::Output> inputs = {c.link ? llb::Output{} : st.root};
    std::optional<int> source_input;
    std::string history = ins.keyword;  // the sources and the destination, without the flags

    for (const std::string& src : sources) {
      history += " " + src;
      if (auto git = git_sources.find(src); git != git_sources.end()) {
        add_git_source(git->second, c, checksum, ins, inputs);
        op.actions.push_back(llb::FileCopy{.src_input = static_cast<int>(inputs.size() - 1), .src = "/", .dest = dest,
                                           .chown = chown, .mode = chmod.mode, .symbolic_mode = chmod.symbolic,
                                           .exclude_patterns = excludes});
        continue;
      }
      if (c.is_add && is_url(src)) {
        std::string filename = src.substr(src.rfind('/') + 1);
        if (filename.empty() || filename.find('?') != std::string::npos) filename = "__unnamed__";
        std::map<std::string, std::string> attrs = {{"filename", filename}};
        if (!checksum.empty()) attrs["checksum"] = checksum;
        inputs.push_back(llb::source(llb::SourceOp{src, attrs}, {.description = "fetch " + src}));
        op.actions.push_back(llb::FileCopy{.src_input = static_cast<int>(inputs.size() - 1), .src = "/" + filename,
                                           .dest = dest, .chown = chown, .mode = chmod.mode,
                                           .symbolic_mode = chmod.symbolic});
        continue;
      }
      if (src.find("://") != std::string::npos || src.starts_with("git@"))
        fail(ins, "unsupported source " + go_quote(src) + " (only local paths, and for ADD http(s) and Git URLs, are supported)");
      if (from.empty()) check_ignored_source(ins, c, src);
      if (!source_input) {
        inputs.push_back(context_.collecting && from.empty() ? llb::Output{} : source_named(from, st, ins));
        source_input = static_cast<int>(inputs.size() - 1);
      }
      const auto [base, include] = c.parents ? split_at_pivot(src) : std::pair<std::string, std::string>{src, ""};
      if (from.empty()) {
        std::string rel = clean_path(c.parents ? base + "/" + include : src);
        while (rel.starts_with("/")) rel = clean_path(rel.substr(1));
        if (rel.starts_with("..")) fail(ins, "forbidden path outside the build context: " + src);
        context_.paths.insert(rel);
      }
      // As BuildKit: a wildcard that matches nothing copies nothing (`COPY go.mod go.sum* ./`),
      // even when every source is one. Set only where there is a wildcard, so that the other
      // copies keep their cache keys.
      const bool wildcard = src.find_first_of("*?[") != std::string::npos;
      llb::FileCopy copy{.src_input = *source_input, .src = absolute_in_input(base), .dest = dest,
                         .chown = chown, .mode = chmod.mode, .symbolic_mode = chmod.symbolic,
                         .allow_empty_wildcard = wildcard, .unpack_archive = c.is_add,
                         .exclude_patterns = excludes};
      if (c.parents) {
        copy.parents = true;
        copy.include_patterns = {clean_path(include)};
        // The cleaned pattern: what is left after a pivot may be empty, which is "everything".
        check_pattern("--parents", copy.include_patterns[0], ins);
        if (copy.include_patterns[0].starts_with("!"))
          fail(ins, "COPY --parents: " + go_quote(src) + ": a `!` re-include names nothing to copy");
        if (copy.include_patterns[0].starts_with("../") || copy.include_patterns[0] == "..")
          fail(ins, "COPY --parents: " + go_quote(src) + " climbs out of " + go_quote(base));
      }
      op.actions.push_back(std::move(copy));
    }
    for (const InlineFile& f : c.inline_files) {
      history += " <<" + f.name;
      std::string data = f.data;
      if (f.expand) {
        try {
          data = ShellLexer(ShellLexerOptions{.escape = escape_, .skip_quotes = true}).process_word(data, env);
        } catch (const Error& e) {
          fail(ins, e.what());
        }
      }
      op.actions.push_back(llb::FileMkfile{.path = dest.ends_with("/") ? dest + f.name : dest,
                                           .mode = chmod.of_new_file(0644), .data = std::move(data), .chown = chown});
    }
    history += " " + dest;
    std::string description = ins.keyword + " " + ins.text;
    llb::OpMetadata copy_meta = meta(st, ins, description);
    if (c.link) {
      // As BuildKit names it: the merge is the same step, "LINK" before the instruction.
      llb::OpMetadata merge_meta = copy_meta;
      merge_meta.description.insert(copy_meta.description.size() - description.size(), "LINK ");
      const llb::Output layer = deepened(llb::file(std::move(op), std::move(inputs), std::move(copy_meta)), ins);
      st.root = deepened(llb::merge({st.root, layer}, std::move(merge_meta)), ins);
    } else {
      st.root = deepened(llb::file(std::move(op), std::move(inputs), std::move(copy_meta)), ins);
    }
    add_history(st.image, history + " # buildkit", true);
  }

  // The owner of a --link copy, which is made on scratch: there is no /etc/passwd or /etc/group
  // to look a name up in, so only numbers (and root, which BuildKit takes as 0) can be given.
  llb::Chown numeric_chown(const llb::Chown& chown, const Instruction& ins) const {
    auto numeric = [&](const std::string& name, const std::string& what, const std::string& file) -> std::string {
      if (name == "root") return "0";
      if (name.empty() || std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
        return name;
      fail(ins, "--chown with --link: the " + what + " " + go_quote(name) +
                    " is a name, and a --link copy cannot read the stage's " + file + " to look it up; give a number");
    };
    return {numeric(chown.user, "user", "/etc/passwd"), numeric(chown.group, "group", "/etc/group")};
  }

  // RUN's environment: the config Env (PATH included), then ARGs not shadowed by it, then proxy
  // args given on the command line.
  std::vector<std::string> run_env(const StageState& st) const {
    std::vector<std::string> env;
    std::set<std::string> names;
    if (st.image["config"].contains("Env"))
      for (const json& e : st.image["config"]["Env"]) {
        if (!e.is_string()) continue;
        std::string s = e.get<std::string>();
        names.insert(s.substr(0, s.find('=')));
        env.push_back(s);
      }
    for (const auto& [k, v] : st.vars.args())
      if (names.insert(k).second) env.push_back(k + "=" + v);
    for (const auto& [k, v] : options_.build_args)
      if (kProxyArgs.count(k) && names.insert(k).second) env.push_back(k + "=" + v);
    return env;
  }

  void apply(StageState& st, const Instruction& ins, const RunInstruction& r) {
    const ShellEnv& env = st.vars.expansion();
    llb::ExecOp op;
    std::vector<llb::Output> inputs = {st.root};
    op.mounts.push_back(llb::Mount{.input = 0, .dest = "/", .output = 0});
    op.args = command_args(st, r.args, r.shell_form);
    if (r.shell_form && !r.heredocs.empty()) heredoc_command(st, r, &op, &inputs);
    op.env = run_env(st);
    op.cwd = working_dir(st);
    op.user = user(st);
    // Without the flag, the build's --network applies: the solver resolves Default.
    op.network = r.network == "none"   ? llb::NetworkMode::None
                 : r.network == "host" ? llb::NetworkMode::Host
                                       : llb::NetworkMode::Default;
    op.security = r.security == "insecure" ? llb::SecurityMode::Insecure : llb::SecurityMode::Sandbox;
    if (st.platform != options_.build_platform) op.platform = st.platform.str();
    for (const std::string& spec : r.mounts) add_mount(st, ins, expand(env, ins, spec), &op, &inputs);

    // As BuildKit writes it: every ARG the stage declared, with its value ("" when it has none).
    std::string history = "RUN ";
    if (!st.declared_args.empty()) {
      history += "|" + std::to_string(st.declared_args.size());
      for (const std::string& name : st.declared_args) {
        const std::string* value = st.vars.arg(name);
        history += " " + name + "=" + (value ? *value : "");
      }
      history += " ";
    }
    for (std::size_t i = 0; i < op.args.size(); ++i) history += (i ? " " : "") + op.args[i];
    st.root = deepened(llb::exec(std::move(op), std::move(inputs), meta(st, ins, "RUN " + ins.text)), ins);
    add_history(st.image, history + " # buildkit", true);
  }

  // RUN <<EOF: a lone heredoc runs as the shell's script (or as a file when it has a #! line);
  // a command using heredocs gets them appended for the shell to read.
  void heredoc_command(const StageState& st, const RunInstruction& r, llb::ExecOp* op,
                       std::vector<llb::Output>* inputs) const {
    HeredocWord word;
    std::string command(trim_space(r.args[0]));
    if (r.heredocs.size() == 1 && parse_heredoc_word(command, &word)) {
      const InlineFile& f = r.heredocs[0];
      if (f.data.starts_with("#!")) {
        inputs->push_back(llb::file(
            llb::FileOp{.dest_input = 0, .actions = {llb::FileMkfile{.path = "/" + f.name, .mode = 0755, .data = f.data}}},
            {llb::Output{}}, {.description = "preparing inline document"}));
        op->mounts.push_back(llb::Mount{.input = static_cast<int>(inputs->size() - 1), .dest = "/dev/pipes/",
                                        .readonly = true});
        op->args = {"/dev/pipes/" + f.name};
      } else {
        op->args = st.shell;
        op->args.push_back(f.data);
      }
      return;
    }
    std::string full = r.args[0];
    for (const InlineFile& f : r.heredocs) full += "\n" + f.data + f.name;
    op->args = st.shell;
    op->args.push_back(full);
  }

  void add_mount(const StageState& st, const Instruction& ins, const std::string& spec, llb::ExecOp* op,
                 std::vector<llb::Output>* inputs) {
    RunMount m;
    try {
      m = parse_run_mount(spec);
    } catch (const Error& e) {
      fail(ins, std::string("invalid --mount: ") + e.what());
    }
    if (m.type == llb::MountType::Bind || m.type == llb::MountType::Cache || m.type == llb::MountType::Tmpfs) {
      // As BuildKit: a relative target is in the working directory, and nothing mounts over /.
      if (!m.target.starts_with('/')) m.target = clean_path(working_dir(st) + "/" + m.target);
      if (m.target == "/") fail(ins, "invalid --mount: invalid mount target \"/\" in '" + spec + "'");
    }
    llb::Mount mount{.dest = m.target, .readonly = m.readonly, .type = m.type};
    switch (m.type) {
      case llb::MountType::Bind:
        if (m.from.empty()) {
          std::string rel = clean_path(m.source.empty() ? "." : m.source);
          while (rel.starts_with("/")) rel = clean_path(rel.substr(1));
          context_.paths.insert(rel);
        }
        inputs->push_back(context_.collecting && m.from.empty() ? llb::Output{} : source_named(m.from, st, ins));
        mount.input = static_cast<int>(inputs->size() - 1);
        mount.selector = m.source.empty() ? "" : absolute_in_input(m.source);
        break;
      case llb::MountType::Cache:
        mount.cache_id = m.id;
        mount.sharing = m.sharing;
        mount.uid = m.uid;
        mount.gid = m.gid;
        mount.mode = m.mode;
        if (!m.from.empty()) {
          // A cache is seeded from layers: a directory context is copied into one first.
          const NamedContext* named = find_stage(m.from, st.index, ins) < 0 ? named_context(m.from, ins) : nullptr;
          inputs->push_back(named && !named->image
                                ? directory_layer(*named, m.from, {.description = "[context " + m.from + "] copy for a cache"})
                                : source_named(m.from, st, ins));
          mount.input = static_cast<int>(inputs->size() - 1);
          mount.selector = m.source.empty() ? "" : absolute_in_input(m.source);
        }
        break;
      case llb::MountType::Tmpfs:
        mount.tmpfs_size = m.size;
        break;
      case llb::MountType::Secret:
        secrets.push_back({m.id, m.required, ins.line});
        if (!m.env.empty()) op->secret_env.push_back({m.env, m.id, m.required});
        if (m.target.empty()) return;
        [[fallthrough]];
      case llb::MountType::Ssh:
        if (m.type == llb::MountType::Ssh) ssh.push_back({m.id, m.required, ins.line});
        mount.secret_id = m.id;
        mount.required = m.required;
        mount.uid = m.uid;
        mount.gid = m.gid;
        mount.mode = m.mode;
        break;
    }
    op->mounts.push_back(std::move(mount));
  }

  const BuildOptions& options_;
  const std::vector<StageDef>& stages_;
  const ShellEnv& global_args_;
  std::map<std::string, ImageInfo>& images_;
  std::map<std::string, NamedContext>& named_;  // the named contexts resolved, by name
  ContextSource& context_;
  ShellLexer lexer_;
  char escape_;
  std::vector<std::optional<StageState>> results_;
  std::vector<bool> in_progress_;
  int chain_depth_ = 0;  // stages being lowered, each waiting for the next
  // The depth of each step made (see deepened()); holding the nodes, no address is reused.
  std::unordered_map<std::shared_ptr<const llb::Node>, int> depth_;
  std::map<std::string, int, std::less<>> stage_by_name_;
  CheckReport* checks_;
  const std::vector<std::string>* ignored_;
  // While an instruction is applied with checks on: the names its words referenced unset.
  mutable std::set<std::string>* undefined_ = nullptr;
};

}  // namespace

namespace {

// Build args and labels come from the command line, and go where Dockerfile text goes: they must
// be text too (see text_fault).
void check_flag_values(const std::map<std::string, std::string>& values, const std::string& flag) {
  for (const auto& [name, value] : values)
    for (const std::string& text : {name, value})
      if (auto fault = text_fault(text)) throw UsageError(flag + " " + go_quote(name) + ": " + *fault);
}

// The build arg that, as in BuildKit, sets the build checks in place of the `# check=` directive.
constexpr const char* kCheckBuildArg = "BUILDKIT_DOCKERFILE_CHECK";

// The checks' config: the build arg's, else the directive's.
CheckConfig check_config(const BuildOptions& options, const Ast& ast) {
  const std::string& file = options.dockerfile_name;
  if (auto arg = options.build_args.find(kCheckBuildArg); arg != options.build_args.end()) {
    try {
      return parse_check_config(arg->second);
    } catch (const Error& e) {
      throw UsageError(std::string("--build-arg ") + kCheckBuildArg + ": " + e.what());
    }
  }
  for (const Directive& d : ast.directives()) {
    if (d.name != "check") continue;
    try {
      return parse_check_config(d.value);
    } catch (const Error& e) {
      throw Error(file + ":" + std::to_string(d.line) + ": # check=" + d.value + ": " + e.what());
    }
  }
  return {};
}

}  // namespace

namespace {

// --call=outline: the target's description, and what the stages lowered for it read: their ARGs,
// the global ARGs they use (and those these name in their defaults), secrets and SSH agents.
Outline outline_of(const StageDef& target, const Lowerer& lowerer,
                   const std::map<std::string, OutlineArg>& global_args,
                   const std::map<std::string, std::set<std::string>>& global_arg_deps) {
  Outline out;
  out.name = target.from_body().stage_name;
  out.description = description_of(out.name, target.from.comments);
  std::map<std::string, OutlineArg> args = lowerer.outline_args;
  std::vector<std::string> pending(lowerer.used_global_args.begin(), lowerer.used_global_args.end());
  std::set<std::string> seen;
  while (!pending.empty()) {
    const std::string name = pending.back();
    pending.pop_back();
    if (!seen.insert(name).second) continue;
    if (auto deps = global_arg_deps.find(name); deps != global_arg_deps.end())
      pending.insert(pending.end(), deps->second.begin(), deps->second.end());
    if (auto global = global_args.find(name); global != global_args.end()) args.emplace(name, global->second);
  }
  for (auto& [name, arg] : args) out.args.push_back(std::move(arg));
  const auto by_line = [](const auto& a, const auto& b) { return a.line < b.line; };
  std::stable_sort(out.args.begin(), out.args.end(), by_line);
  const auto first_of_each = [&](const std::vector<OutlineMount>& mounts) {
    std::vector<OutlineMount> unique;
    for (const OutlineMount& m : mounts)
      if (std::none_of(unique.begin(), unique.end(), [&](const OutlineMount& u) { return u.id == m.id; }))
        unique.push_back(m);
    std::stable_sort(unique.begin(), unique.end(), by_line);
    return unique;
  };
  out.secrets = first_of_each(lowerer.secrets);
  out.ssh = first_of_each(lowerer.ssh);
  return out;
}

}  // namespace

BuildPlan lower(const BuildOptions& options) {
  check_flag_values(options.build_args, "--build-arg");
  check_flag_values(options.labels, "--label");
  const std::string& file = options.dockerfile_name;
  Ast ast = parse(options.dockerfile, file);
  if (options.checks) {
    *options.checks = CheckReport(check_config(options, ast), file);
    check_file(ast, *options.checks);
  }

  // Split into global ARGs and stages.
  std::vector<Instruction> global_args;
  std::vector<StageDef> stages;
  std::set<std::string> stage_names;
  for (const Node& node : ast.nodes()) {
    Instruction ins = parse_instruction(ast, node, file);
    if (ins.keyword == "FROM") {
      const auto& name = std::get<FromInstruction>(ins.body).stage_name;
      if (!name.empty() && !stage_names.insert(name).second)
        throw Error(file + ":" + std::to_string(ins.line) + ": duplicate stage name " + go_quote(name));
      stages.push_back({static_cast<int>(stages.size()), std::move(ins), {}});
    } else if (!stages.empty()) {
      stages.back().commands.push_back(std::move(ins));
    } else if (ins.keyword == "ARG") {
      global_args.push_back(std::move(ins));
    } else {
      throw Error(file + ":" + std::to_string(ins.line) + ": " + ins.keyword +
                  " is not allowed before the first FROM (no build stage in current context)");
    }
  }
  if (stages.empty()) throw Error(file + ": no build stage: a Dockerfile needs at least one FROM");

  int target = static_cast<int>(stages.size()) - 1;
  if (!options.target.empty()) {
    target = -1;
    for (const StageDef& s : stages)
      if (s.from_body().stage_name == to_lower(options.target)) target = s.index;
    // A build failure, not a usage error: docker exits 1, the Dockerfile being what lacks it.
    if (target < 0) {
      std::string named;
      for (const StageDef& s : stages)
        if (!s.from_body().stage_name.empty()) named += (named.empty() ? "" : ", ") + s.from_body().stage_name;
      throw Error("target stage " + go_quote(options.target) + " could not be found in " + file +
                  (named.empty() ? " (it names no stage)" : " (its stages: " + named + ")"));
    }
  }

  // Global ARGs: usable in FROM lines and as defaults for ARGs re-declared in a stage.
  const ShellEnv automatic_args = platform_args(options);
  ShellEnv globals = automatic_args;
  std::set<std::string> declared(kProxyArgs.begin(), kProxyArgs.end());
  declared.insert(kCheckBuildArg);
  ShellLexer lexer(ShellLexerOptions{.escape = ast.escape()});
  FromLineArgs from_args{.defaults = automatic_args};
  std::map<std::string, OutlineArg> global_arg_outline;
  std::map<std::string, std::set<std::string>> global_arg_deps;  // the ARGs a default names
  for (const Instruction& ins : global_args) {
    for (const ArgDeclaration& decl : std::get<ArgInstruction>(ins.body).args) {
      declared.insert(decl.name);
      from_args.declared.insert(decl.name);
      if (decl.default_value && from_args.defaults_valid) {
        try {
          from_args.defaults[decl.name] = lexer.process_word(*decl.default_value, from_args.defaults);
        } catch (const Error&) {
          from_args.defaults_valid = false;
        }
      }
      if (auto it = options.build_args.find(decl.name); it != options.build_args.end()) {
        globals[decl.name] = it->second;
      } else if (decl.default_value) {
        try {
          globals[decl.name] = lexer.process_word(*decl.default_value, globals, &global_arg_deps[decl.name]);
        } catch (const Error& e) {
          throw Error(file + ":" + std::to_string(ins.line) + ": " + e.what());
        }
      }
      const auto value = globals.find(decl.name);
      global_arg_outline[decl.name] = {decl.name, value == globals.end() ? "" : value->second,
                                       description_of(decl.name, ins.comments), ins.line};
    }
  }

  if (options.checks) {
    from_args.values = globals;
    check_from_lines(ast, from_args, ast.escape(), *options.checks);
  }

  std::vector<std::string> exclude;
  if (options.dockerignore) exclude = read_dockerignore(*options.dockerignore, options.dockerignore_name);

  // The stages lowered: those the target needs, or with all_stages every one, the target last.
  std::map<std::string, ImageInfo> images;
  std::map<std::string, NamedContext> named;
  ContextSource paths_pass;
  {
    Lowerer first(options, stages, globals, images, named, paths_pass, ast.escape());
    if (options.all_stages)
      for (const StageDef& s : stages) first.stage(s.index);
    first.stage(target);
  }

  ContextSource context{.collecting = false, .paths = paths_pass.paths, .exclude = exclude};
  Lowerer lowerer(options, stages, globals, images, named, context, ast.escape(), options.checks,
                  &exclude);
  if (options.all_stages)
    for (const StageDef& s : stages) lowerer.stage(s.index);
  StageState result = lowerer.stage(target);

  for (const auto& [k, v] : options.labels) result.image["config"]["Labels"][k] = v;

  BuildPlan plan{result.root, result.image, {}, outline_of(stages[target], lowerer, global_arg_outline, global_arg_deps)};
  for (const Directive& d : ast.directives())
    if (d.name == "syntax" && !names_docker_dockerfile(d.value))
      plan.warnings.push_back(file + ":" + std::to_string(d.line) + ": # syntax=" + d.value +
                              " is not run: gantry reads the Dockerfile with its built-in frontend, which follows "
                              "docker/dockerfile:" + std::string(kDockerfileSyntaxVersion));
  // The parser's warnings (empty continuation lines) are the NoEmptyContinuation check's; they
  // are plain warnings only when no checks run.
  if (!options.checks)
    for (const ParseWarning& w : ast.warnings())
      plan.warnings.push_back(file + ":" + std::to_string(w.line) + ": " + w.message);
  plan.warnings.insert(plan.warnings.end(), lowerer.warnings.begin(), lowerer.warnings.end());
  declared.insert(lowerer.consumed_args.begin(), lowerer.consumed_args.end());
  // SOURCE_DATE_EPOCH is the builder's own (it clamps the image's times), as BuildKit reads it.
  for (const auto& [name, value] : options.build_args)
    if (!declared.count(name) && name != "SOURCE_DATE_EPOCH")
      plan.warnings.push_back(file + ": build arg " + name + " was not consumed by any ARG");
  for (const std::string& name : options.no_cache_stages)
    if (std::none_of(stages.begin(), stages.end(), [&](const StageDef& s) {
          return iequals(s.from_body().stage_name, name) || std::to_string(s.index) == name;
        }))
      plan.warnings.push_back(file + ": --no-cache-filter " + go_quote(name) + " names no stage: every step may come from the cache");
  return plan;
}

}  // namespace gantry::frontend

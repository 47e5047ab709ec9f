#include "engine/image_changes.h"

#include <algorithm>
#include <type_traits>

#include "base/error.h"
#include "base/scope_guard.h"
#include "frontend/dockerfile/image_config.h"
#include "frontend/dockerfile/instructions.h"
#include "frontend/dockerfile/parser.h"
#include "frontend/dockerfile/shell_lexer.h"
#include "frontend/dockerfile/stage_environment.h"

namespace gantry::engine {

using nlohmann::json;
using namespace gantry::frontend;

namespace {

constexpr const char* kFileName = "--change:";  // what the parser's messages start with

const std::vector<std::string> kChangeInstructions{"CMD",        "ENTRYPOINT", "ENV",  "EXPOSE", "LABEL",
                                                   "ONBUILD",    "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"};

class ChangeApplier {
 public:
  // `image` holds the config being changed as its "config" (the form StageEnvironment reads).
  ChangeApplier(json& image, StageEnvironment& vars, const std::string& change)
      : image_(image), config_(image["config"]), vars_(vars), change_(change) {}

  // `what` may be the parser's "--change:1: what": the line of a one-line change says nothing.
  [[noreturn]] void fail(std::string what) const {
    if (what.starts_with(kFileName)) what = what.substr(what.find(' ') + 1);
    throw UsageError("--change `" + change_ + "`: " + what);
  }

  std::string expand(const std::string& word) const {
    try {
      return lexer_.process_word(word, vars_.expansion());
    } catch (const Error& e) {
      fail(e.what());
    }
  }

  json command(const std::vector<std::string>& args, bool shell_form) const {
    if (!shell_form) return args;
    return json::array({"/bin/sh", "-c", args.empty() ? "" : args[0]});
  }

  void expose(const std::string& spec) {
    std::vector<std::string> keys;
    try {
      keys = expand_port_range(spec);
    } catch (const Error& e) {
      fail(e.what());
    }
    for (const std::string& key : keys) config_["ExposedPorts"][key] = json::object();
  }

  void apply(const Instruction& ins, bool& cmd_set) {
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, CmdInstruction>) {
            config_["Cmd"] = command(body.args, body.shell_form);
            cmd_set = true;
          } else if constexpr (std::is_same_v<T, EntrypointInstruction>) {
            config_["Entrypoint"] = command(body.args, body.shell_form);
            if (!cmd_set) config_["Cmd"] = nullptr;
          } else if constexpr (std::is_same_v<T, EnvInstruction>) {
            for (const KeyValue& kv : body.vars) vars_.set_env(image_, expand(kv.key), expand(kv.value));
          } else if constexpr (std::is_same_v<T, LabelInstruction>) {
            for (const KeyValue& kv : body.labels) config_["Labels"][expand(kv.key)] = expand(kv.value);
          } else if constexpr (std::is_same_v<T, ExposeInstruction>) {
            for (const std::string& word : body.ports)
              for (const std::string& port : lexer_.process_words(word, vars_.expansion())) expose(port);
          } else if constexpr (std::is_same_v<T, OnbuildInstruction>) {
            config_["OnBuild"].push_back(body.expression);
          } else if constexpr (std::is_same_v<T, StopSignalInstruction>) {
            config_["StopSignal"] = expand(body.signal);
          } else if constexpr (std::is_same_v<T, UserInstruction>) {
            config_["User"] = expand(body.user);
          } else if constexpr (std::is_same_v<T, VolumeInstruction>) {
            for (const std::string& word : body.paths) {
              const std::string path = expand(word);
              if (path.empty()) fail("VOLUME specified can not be an empty string");
              config_["Volumes"][path] = json::object();
            }
          } else if constexpr (std::is_same_v<T, WorkdirInstruction>) {
            std::string path = expand(body.path);
            if (path.empty()) fail("WORKDIR requires a non-empty path");
            const std::string current = config_.value("WorkingDir", "");
            if (!path.starts_with("/")) path = (current.empty() ? "/" : current + "/") + path;
            config_["WorkingDir"] = path;
          }
        },
        ins.body);
  }

 private:
  json& image_;
  json& config_;
  StageEnvironment& vars_;
  const std::string& change_;
  ShellLexer lexer_;
};

}  // namespace

void apply_image_changes(json& config, const std::vector<std::string>& changes) {
  if (!config.is_object()) config = json::object();
  json image = {{"config", std::move(config)}};
  const ScopeGuard give_back([&]() noexcept { config = std::move(image["config"]); });
  StageEnvironment vars(image);
  bool cmd_set = false;
  for (const std::string& change : changes) {
    ChangeApplier applier(image, vars, change);
    Ast ast;
    try {
      ast = parse(change, "--change");
    } catch (const Error& e) {
      applier.fail(e.what());
    }
    if (ast.nodes().size() != 1) applier.fail("give one instruction per --change");
    const Node& node = ast.nodes()[0];
    std::string keyword(ast.keyword(node));
    std::transform(keyword.begin(), keyword.end(), keyword.begin(), [](unsigned char c) { return std::toupper(c); });
    if (std::find(kChangeInstructions.begin(), kChangeInstructions.end(), keyword) == kChangeInstructions.end())
      applier.fail(keyword + " is not a valid change command");
    try {
      applier.apply(parse_instruction(ast, node, "--change"), cmd_set);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      applier.fail(e.what());
    }
  }
}

}  // namespace gantry::engine

#include "engine/image_changes.h"

#include <algorithm>
#include <type_traits>

#include "base/error.h"
#include "frontend/dockerfile/instructions.h"
#include "frontend/dockerfile/parser.h"
#include "frontend/dockerfile/shell_lexer.h"

namespace gantry::engine {

using nlohmann::json;
using namespace gantry::frontend;

namespace {

constexpr const char* kFileName = "--change:";  // what the parser's messages start with

const std::vector<std::string> kChangeInstructions{"CMD",        "ENTRYPOINT", "ENV",  "EXPOSE", "LABEL",
                                                   "ONBUILD",    "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"};

// The image's environment, for expanding the words of a change.
ShellEnv environment_of(const json& config) {
  ShellEnv env;
  for (const auto& entry : config.value("Env", json::array())) {
    if (!entry.is_string()) continue;
    const std::string text = entry.get<std::string>();
    const auto eq = text.find('=');
    env[text.substr(0, eq)] = eq == std::string::npos ? "" : text.substr(eq + 1);
  }
  return env;
}

class ChangeApplier {
 public:
  ChangeApplier(json& config, const std::string& change) : config_(config), change_(change) {}

  // `what` may be the parser's "--change:1: what": the line of a one-line change says nothing.
  [[noreturn]] void fail(std::string what) const {
    if (what.starts_with(kFileName)) what = what.substr(what.find(' ') + 1);
    throw UsageError("--change `" + change_ + "`: " + what);
  }

  std::string expand(const std::string& word) const {
    try {
      return lexer_.process_word(word, environment_of(config_));
    } catch (const Error& e) {
      fail(e.what());
    }
  }

  json command(const std::vector<std::string>& args, bool shell_form) const {
    if (!shell_form) return args;
    return json::array({"/bin/sh", "-c", args.empty() ? "" : args[0]});
  }

  void set_env(const std::string& key, const std::string& value) {
    json env = config_.value("Env", json::array());
    if (!env.is_array()) env = json::array();
    const std::string entry = key + "=" + value;
    const auto same_key = std::find_if(env.begin(), env.end(), [&](const json& e) {
      return e.is_string() && e.get<std::string>().substr(0, e.get<std::string>().find('=')) == key;
    });
    if (same_key != env.end()) *same_key = entry;
    else env.push_back(entry);
    config_["Env"] = env;
  }

  void expose(const std::string& spec) {
    std::string ports = spec, proto = "tcp";
    if (const auto slash = spec.find('/'); slash != std::string::npos) {
      ports = spec.substr(0, slash);
      proto = spec.substr(slash + 1);
      std::transform(proto.begin(), proto.end(), proto.begin(), [](unsigned char c) { return std::tolower(c); });
    }
    if (proto != "tcp" && proto != "udp" && proto != "sctp") fail("invalid proto: " + proto);
    const auto number = [&](const std::string& text) {
      if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), ::isdigit) || std::stoi(text) > 65535)
        fail("invalid containerPort: " + spec);
      return std::stoi(text);
    };
    const auto dash = ports.find('-');
    const int first = number(ports.substr(0, dash));
    const int last = dash == std::string::npos ? first : number(ports.substr(dash + 1));
    if (last < first) fail("invalid range specified for containerPort: " + spec);
    for (int port = first; port <= last; ++port) config_["ExposedPorts"][std::to_string(port) + "/" + proto] = json::object();
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
            for (const KeyValue& kv : body.vars) set_env(expand(kv.key), expand(kv.value));
          } else if constexpr (std::is_same_v<T, LabelInstruction>) {
            for (const KeyValue& kv : body.labels) config_["Labels"][expand(kv.key)] = expand(kv.value);
          } else if constexpr (std::is_same_v<T, ExposeInstruction>) {
            for (const std::string& word : body.ports)
              for (const std::string& port : lexer_.process_words(word, environment_of(config_))) expose(port);
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
          } else {
            fail(ins.keyword + " is not a valid change command");
          }
        },
        ins.body);
  }

 private:
  json& config_;
  const std::string& change_;
  ShellLexer lexer_;
};

}  // namespace

void apply_image_changes(json& config, const std::vector<std::string>& changes) {
  if (!config.is_object()) config = json::object();
  bool cmd_set = false;
  for (const std::string& change : changes) {
    ChangeApplier applier(config, change);
    Ast ast;
    try {
      ast = parse(change, "--change");
    } catch (const UsageError&) {
      throw;
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

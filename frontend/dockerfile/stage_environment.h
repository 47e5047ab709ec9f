// The variables of one build stage while it is lowered: the ARGs in scope (in the order they
// were declared) and the image config's Env, and the environment words expand with, where an
// Env entry wins over an ARG of the same name.
//
// It is kept up to date as ARG and ENV apply instead of being rebuilt from the config for every
// instruction, so a Dockerfile of 10,000 ENV lines lowers in n log n time, not n^2.
//
//   StageEnvironment vars(image);           // the base image's config.Env
//   vars.set_env(image, "A", "1");          // ENV A=1: config.Env of `image` changes too
//   vars.set_arg("B", "2");                 // ARG B=2
//   lexer.process_word("$A$B", vars.expansion())  -> "12"
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "frontend/dockerfile/shell_lexer.h"

namespace gantry::frontend {

class StageEnvironment {
 public:
  StageEnvironment() = default;
  // Starts from the "KEY=VALUE" entries of `image`'s config.Env (entries that are not strings
  // are skipped; of two entries with one name, the later is seen and ENV replaces the earlier).
  explicit StageEnvironment(const nlohmann::json& image);

  // ARG: declared again, an ARG moves to the end of the order.
  void set_arg(const std::string& name, const std::string& value);
  // ENV: the entry in `image`'s config.Env is replaced in place, or appended.
  void set_env(nlohmann::json& image, const std::string& name, const std::string& value);

  bool has_env(const std::string& name) const { return env_index_.count(name) > 0; }
  const ShellEnv& expansion() const { return expansion_; }
  const std::vector<std::pair<std::string, std::string>>& args() const { return args_; }
  // The value of the ARG `name`, or nothing when it has none in scope.
  const std::string* arg(std::string_view name) const {
    const auto it = arg_index_.find(name);
    return it == arg_index_.end() ? nullptr : &args_[it->second].second;
  }

 private:
  std::vector<std::pair<std::string, std::string>> args_;
  std::map<std::string, std::size_t, std::less<>> arg_index_;  // position in args_
  std::map<std::string, std::size_t, std::less<>> env_index_;  // position in config.Env
  ShellEnv expansion_;
};

}  // namespace gantry::frontend

// Runs the real gantry as a normal user (the rootless tests): one of the users
// scripts/test-user.sh makes, with a fresh home of its own per test, owned by that user, and an
// environment reset to what a login gives (setpriv --reset-env) plus the test's variables.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

// scripts/test-user.sh's users.
inline constexpr const char* kUserWithSubids = "gantry-rl";  // a 65536-id range in /etc/subuid
inline constexpr const char* kUserWithoutSubids = "gantry-nosub";
inline constexpr const char* kUserWithTooFewSubids = "gantry-smallsub";  // 1000 ids

class UserGantryEnv {
 public:
  // Runs scripts/test-user.sh first when `user` does not exist yet.
  explicit UserGantryEnv(std::string user);
  // gantry as the user, with HOME the test's home (so its state is under home()/.local/share).
  Outcome gantry(std::vector<std::string> args, std::map<std::string, std::string> env = {}) const;
  // Any command as the user, in the same environment.
  Outcome as_user(std::vector<std::string> argv, std::map<std::string, std::string> env = {}) const;
  // The user's default state root: home()/.local/share/gantry.
  std::filesystem::path state_root() const { return home_ / ".local/share/gantry"; }
  const std::filesystem::path& home() const { return home_; }
  // A dir the user may read and write, for contexts and outputs.
  const std::filesystem::path& scratch() const { return scratch_; }
  const std::string& user() const { return user_; }

 private:
  std::string user_;
  TempDir dir_;
  std::filesystem::path home_, scratch_;
};

}  // namespace gantry::e2e

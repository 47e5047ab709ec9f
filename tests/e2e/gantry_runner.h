// Runs the real gantry binary (and other tools) for end-to-end tests, each test with its own
// state root, and captures what they print.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/file_util.h"

namespace gantry::e2e {

struct Outcome {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv (argv[0] looked up in PATH), with extra environment variables, to completion;
// its standard input is the file `stdin_path`.
Outcome run_command(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env = {},
                    const std::filesystem::path& stdin_path = "/dev/null");

// Starts argv with its output discarded; returns the pid.
int spawn_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
// Waits for a pid from spawn_command; returns its exit code (128 + signal when killed).
int wait_for(int pid);

// The gantry under test: the one built here, or GANTRY_TEST_BINARY when set (to show that a new
// test fails on an older binary).
std::string gantry_binary();
std::filesystem::path source_dir();   // the repository
std::filesystem::path testdata(const std::string& name);
std::filesystem::path shared_tools(); // ../shared/tools
std::filesystem::path busybox_rootfs_tar();  // made by scripts/mkrootfs-busybox.sh when missing

// `text` cut at its newlines, without them (a last line without one counts).
std::vector<std::string> lines_of(const std::string& text);

// A fresh gantry state root and scratch dir per test, removed afterwards.
class GantryEnv {
 public:
  GantryEnv();
  Outcome gantry(std::vector<std::string> args,
                 std::map<std::string, std::string> env = {}) const;
  // Starts gantry without waiting (output discarded); returns its pid.
  int spawn(std::vector<std::string> args, std::map<std::string, std::string> env = {}) const;
  // Imports the busybox rootfs as busybox:latest.
  void import_busybox() const;
  // What docker's inspect shape leaves out, read from the store: the config of `image` (its
  // history, rootfs, created, ...) and the manifest or index its name points to. Throws
  // std::runtime_error when gantry cannot inspect the image.
  nlohmann::json image_config(const std::string& image) const;
  nlohmann::json image_manifest(const std::string& image) const;
  const std::filesystem::path& root() const { return root_; }
  const std::filesystem::path& scratch() const { return scratch_; }

 private:
  TempDir dir_;
  std::filesystem::path root_, scratch_;
};

}  // namespace gantry::e2e

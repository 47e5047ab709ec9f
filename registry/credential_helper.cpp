#include "registry/credential_helper.h"

#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/error.h"

extern char** environ;

namespace gantry::registry {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The identity-token marker of the protocol's Username.
constexpr const char* kTokenUsername = "<token>";

// What a helper may print: a keychain's answer is small, a runaway one must not fill the memory.
constexpr std::size_t kMaxOutput = 1 << 20;

// The input is written into the pipe before the program starts, so no write can block on (or
// be killed by SIGPIPE from) a program that does not read it; a pipe holds at least this much.
constexpr std::size_t kMaxInput = 4096;

std::string trimmed(std::string text) {
  const auto space = " \t\r\n";
  text.erase(0, text.find_first_not_of(space));
  text.erase(text.find_last_not_of(space) + 1);
  return text;
}

// A helper's explanation for a message: its first line, short, with `secret` (what it was
// given to store) cut out in case it echoes its input.
std::string explanation(const std::string& out, const std::string& err, const std::string& secret) {
  std::string text = trimmed(out).empty() ? trimmed(err) : trimmed(out);
  text = text.substr(0, text.find('\n'));
  if (!secret.empty())
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
      text.replace(at, secret.size(), "<secret>");
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  return text;
}

}  // namespace

CredentialHelper::CredentialHelper(std::string name, std::vector<fs::path> search_dirs)
    : program_("docker-credential-" + std::move(name)), search_dirs_(std::move(search_dirs)) {}

std::string CredentialHelper::subject(const std::string& server_url) const {
  return "credential helper `" + program_ + "`" + (server_url.empty() ? "" : " for " + server_url);
}

fs::path CredentialHelper::find_program(const std::string& server_url) const {
  if (program_.find('/') != std::string::npos)
    throw Error(subject(server_url) + ": not a program name (a helper is named without a path)");
  for (const auto& dir : search_dirs_) {
    fs::path candidate = dir / program_;
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  throw Error(subject(server_url) +
              ": not found in PATH (install it, or change credsStore/credHelpers "
              "in docker's config.json)");
}

CredentialHelper::Answer CredentialHelper::run(const std::string& verb, const std::string& input,
                                               const std::string& server_url) const {
  const std::string what = subject(server_url) + ": " + verb;
  const fs::path program = find_program(server_url);
  if (input.size() > kMaxInput)
    throw Error(what + ": input longer than " + std::to_string(kMaxInput) + " bytes");

  Pipe in = make_pipe(what), out = make_pipe(what), err = make_pipe(what);
  for (std::size_t written = 0; written < input.size();) {
    ssize_t n = ::write(in.write.get(), input.data() + written, input.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(what + ": write");
    written += static_cast<std::size_t>(n);
  }
  in.write.reset();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  std::string program_arg = program.string(), verb_arg = verb;
  char* argv[] = {program_arg.data(), verb_arg.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw errno_error(what + ": start `" + program.string() + "`", rc);
  Child child(pid);
  in.read.reset();
  out.write.reset();
  err.write.reset();

  ChildOutput said = drain(std::move(out.read), std::move(err.read), kMaxOutput, what);
  const int exit_status = child.wait();
  return {.exit_status = exit_status, .out = std::move(said.out), .err = std::move(said.err)};
}

std::optional<Credentials> CredentialHelper::get(const std::string& server_url) const {
  Answer a = run("get", server_url, server_url);
  if (a.exit_status != 0) {
    if (trimmed(a.out) == kCredentialsNotFound) return std::nullopt;
    throw Error(subject(server_url) + ": get failed (exit status " + std::to_string(a.exit_status) +
                "): " + explanation(a.out, a.err, ""));
  }
  // The answer holds the secret: a malformed one is described, never quoted.
  json answer = json::parse(a.out, nullptr, false);
  if (!answer.is_object() || !answer.value("Username", json()).is_string() ||
      !answer.value("Secret", json()).is_string())
    throw Error(subject(server_url) +
                ": get answered something other than "
                "{\"ServerURL\",\"Username\",\"Secret\"} JSON");
  const std::string username = answer["Username"], secret = answer["Secret"];
  if (secret.empty()) return std::nullopt;
  if (username == kTokenUsername) return Credentials{.identity_token = secret};
  return Credentials{.username = username, .password = secret};
}

void CredentialHelper::store(const std::string& server_url, const Credentials& credentials) const {
  const std::string& secret =
      credentials.identity_token.empty() ? credentials.password : credentials.identity_token;
  const json input = {
      {"ServerURL", server_url},
      {"Username", credentials.identity_token.empty() ? credentials.username : kTokenUsername},
      {"Secret", secret}};
  Answer a = run("store", input.dump(), server_url);
  if (a.exit_status != 0)
    throw Error(subject(server_url) + ": store failed (exit status " +
                std::to_string(a.exit_status) + "): " + explanation(a.out, a.err, secret));
}

bool CredentialHelper::erase(const std::string& server_url) const {
  Answer a = run("erase", server_url, server_url);
  if (a.exit_status == 0) return true;
  if (trimmed(a.out) == kCredentialsNotFound) return false;
  throw Error(subject(server_url) + ": erase failed (exit status " + std::to_string(a.exit_status) +
              "): " + explanation(a.out, a.err, ""));
}

std::map<std::string, std::string> CredentialHelper::list() const {
  Answer a = run("list", "", "");
  if (a.exit_status != 0)
    throw Error(subject("") + ": list failed (exit status " + std::to_string(a.exit_status) +
                "): " + explanation(a.out, a.err, ""));
  json answer = json::parse(a.out, nullptr, false);
  if (!answer.is_object())
    throw Error(subject("") + ": list answered something other than a JSON object");
  std::map<std::string, std::string> servers;
  for (const auto& [url, username] : answer.items())
    servers[url] = username.is_string() ? username.get<std::string>() : std::string();
  return servers;
}

}  // namespace gantry::registry

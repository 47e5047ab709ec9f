// Registry verbs: pull, push, login, logout.
#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/image_ref.h"
#include "cache/store.h"
#include "cli/command.h"
#include "cli/registry_flags.h"
#include "cli/stderr_messages.h"
#include "engine/registry_images.h"
#include "registry/credentials.h"
#include "registry/registry_client.h"

namespace gantry::cli {

namespace {

// What pull and push print on stdout: the name pinned to the manifest's digest.
void print_pinned(ImageRef image, const Digest& manifest) {
  image.tag.clear();
  image.digest = manifest;
  std::cout << image.familiar() << "\n";
}

struct PullFlags {
  std::string name;
  std::string platform;  // empty: the host's
  RegistryFlags registry;
};

int run_pull(const GlobalOptions& global, const PullFlags& f) {
  ImageRef image = ImageRef::parse(f.name);
  cache::Store store(global.state_root());
  StderrMessages messages;
  const auto report = engine::pull_image(store, image, f.registry.access(global.config), f.platform, messages);
  print_pinned(image, report.manifest);
  return 0;
}

struct PushFlags {
  std::string name;
  std::string destination;
  std::int64_t chunk_size = 0;
  RegistryFlags registry;
};

int run_push(const GlobalOptions& global, const PushFlags& f) {
  ImageRef destination = ImageRef::parse(f.destination.empty() ? f.name : f.destination);
  cache::Store store(global.state_root());
  StderrMessages messages;
  const auto report = engine::push_image(store, f.name, f.destination, f.registry.access(global.config),
                                         {.chunk_size = f.chunk_size}, messages);
  print_pinned(destination, report.manifest);
  return 0;
}

struct LoginFlags {
  std::string server;
  std::string username;
  std::string password;
  bool password_stdin = false;
  RegistryFlags registry;
};

int run_login(const GlobalOptions& global, const LoginFlags& f) {
  const std::string server = registry::host_of_server(f.server);
  if (f.username.empty()) throw UsageError("login " + server + ": --username is required");
  if (f.password_stdin && !f.password.empty())
    throw UsageError("login " + server + ": --password and --password-stdin exclude each other");
  std::string password = f.password;
  if (f.password_stdin) {
    std::getline(std::cin, password);
    if (password.ends_with('\r')) password.pop_back();
  }
  if (password.empty())
    throw UsageError("login " + server + ": give --password or --password-stdin");
  registry::Credentials credentials{.username = f.username, .password = password};
  registry::RegistryClient client(server, f.registry.options(global.config), credentials);
  client.check_login();
  const std::string where = credential_store_from_environment().save(server, credentials);
  std::cerr << "Login Succeeded (credentials stored in " << where << ")\n";
  return 0;
}

int run_logout(const std::string& given) {
  const std::string server = registry::host_of_server(given);
  if (credential_store_from_environment().erase(server))
    std::cerr << "Removing login credentials for " << server << "\n";
  else
    std::cerr << "Not logged in to " << server << "\n";
  return 0;
}

}  // namespace

void add_registry_commands(CLI::App& app, GlobalOptions& global, Action& action) {
  auto pull = std::make_shared<PullFlags>();
  auto* pull_cmd = app.add_subcommand("pull", "Pull an image from a registry into the local store");
  pull_cmd->add_option("NAME", pull->name, "Image, e.g. 127.0.0.1:5000/team/app:1")->required();
  pull_cmd->add_option("--platform", pull->platform, "os/architecture[/variant] to pick from an index (default: the host's)");
  add_registry_flags(*pull_cmd, pull->registry);
  pull_cmd->callback([&global, &action, pull] { action = [&global, pull] { return run_pull(global, *pull); }; });

  auto push = std::make_shared<PushFlags>();
  auto* push_cmd = app.add_subcommand("push", "Push an image of the local store to a registry");
  push_cmd->add_option("NAME", push->name, "Local image, named for its registry")->required();
  push_cmd->add_option("DESTINATION", push->destination, "Push under this name instead");
  push_cmd->add_option("--chunk-size", push->chunk_size, "Upload blobs in chunks of this many bytes");
  add_registry_flags(*push_cmd, push->registry);
  push_cmd->callback([&global, &action, push] { action = [&global, push] { return run_push(global, *push); }; });

  auto login = std::make_shared<LoginFlags>();
  auto* login_cmd = app.add_subcommand("login", "Log in to a registry (stored like docker's config.json)");
  login_cmd->add_option("SERVER", login->server, "HOST[:PORT]")->required();
  login_cmd->add_option("-u,--username", login->username, "Username");
  login_cmd->add_option("-p,--password", login->password, "Password");
  login_cmd->add_flag("--password-stdin", login->password_stdin, "Read the password from stdin");
  add_registry_flags(*login_cmd, login->registry);
  login_cmd->callback([&global, &action, login] { action = [&global, login] { return run_login(global, *login); }; });

  auto server = std::make_shared<std::string>();
  auto* logout_cmd = app.add_subcommand("logout", "Forget the credentials of a registry");
  logout_cmd->add_option("SERVER", *server, "HOST[:PORT]")->required();
  logout_cmd->callback([&action, server] { action = [server] { return run_logout(*server); }; });
}

}  // namespace gantry::cli

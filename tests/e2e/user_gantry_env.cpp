#include "tests/e2e/user_gantry_env.h"

#include <pwd.h>
#include <unistd.h>

#include <stdexcept>

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

passwd* user_entry(const std::string& user) {
  // The script is run once per user it has not made yet (it is idempotent): a test machine set
  // up before a user was added to it gets that user.
  if (passwd* pw = ::getpwnam(user.c_str())) return pw;
  const Outcome made = run_command({(source_dir() / "scripts/test-user.sh").string()});
  if (made.exit_code != 0) throw std::runtime_error("scripts/test-user.sh failed: " + made.err);
  if (passwd* pw = ::getpwnam(user.c_str())) return pw;
  throw std::runtime_error("user `" + user + "`: scripts/test-user.sh did not make it");
}

// The temp dir's whole path must be walkable by the user: /tmp is, a 0700 TempDir is not.
TempDir user_dir(const std::string& user) {
  const passwd* pw = user_entry(user);
  TempDir dir(fs::temp_directory_path(), "gantry-e2e-user-");
  for (const char* sub : {"home", "scratch"}) fs::create_directory(dir.path() / sub);
  for (const fs::path& p : {dir.path(), dir.path() / "home", dir.path() / "scratch"}) {
    if (::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("chown " + p.string() + " to " + user);
  }
  fs::permissions(dir.path(),
                  fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  return dir;
}

}  // namespace

UserGantryEnv::UserGantryEnv(std::string user)
    : user_(std::move(user)),
      dir_(user_dir(user_)),
      home_(dir_.path() / "home"),
      scratch_(dir_.path() / "scratch") {}

Outcome UserGantryEnv::as_user(std::vector<std::string> argv,
                               std::map<std::string, std::string> env) const {
  std::vector<std::string> command = {
      "setpriv", "--reuid=" + user_,      "--regid=" + user_, "--init-groups", "--reset-env",
      "env",     "HOME=" + home_.string()};
  for (const auto& [k, v] : env) command.push_back(k + "=" + v);
  command.insert(command.end(), argv.begin(), argv.end());
  return run_command(command);
}

Outcome UserGantryEnv::gantry(std::vector<std::string> args,
                              std::map<std::string, std::string> env) const {
  args.insert(args.begin(), gantry_binary());
  return as_user(std::move(args), std::move(env));
}

}  // namespace gantry::e2e

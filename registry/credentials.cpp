#include "registry/credentials.h"

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/error.h"
#include "base/file_util.h"
#include "registry/credential_helper.h"

namespace gantry::registry {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// One docker config.json, as read.
class ConfigFile {
 public:
  explicit ConfigFile(fs::path path) : path_(std::move(path)) {
    if (!fs::exists(path_)) return;
    try {
      config_ = json::parse(read_file(path_));
    } catch (const json::parse_error& e) {
      // Only the place: the parser's message quotes the text it stopped in, maybe a password.
      throw Error("registry config `" + path_.string() + "`: not valid JSON (at byte " +
                  std::to_string(e.byte) + ")");
    }
    if (!config_.is_object()) config_ = json::object();
  }

  // The helper the file names for `key`: its credHelpers entry, else credsStore.
  std::optional<std::string> helper_for(const std::string& key) const {
    if (auto helpers = config_.find("credHelpers");
        helpers != config_.end() && !helpers->is_null()) {
      if (!helpers->is_object())
        throw Error(where("credHelpers") + ": not an object of registry: helper name");
      // The exact key first, then any key of the same host.
      for (bool exact : {true, false})
        for (const auto& [registry, name] : helpers->items())
          if (exact ? registry == key : host_of_server(registry) == host_of_server(key))
            return helper_name(name, "credHelpers." + registry);
    }
    if (auto store = config_.find("credsStore"); store != config_.end() && !store->is_null()) {
      if (store->is_string() && store->get<std::string>().empty()) return std::nullopt;
      return helper_name(*store, "credsStore");
    }
    return std::nullopt;
  }

  // The credentials of the `auths` entry for `key` (the exact key first, then its host's).
  std::optional<Credentials> entry_for(const std::string& key) const {
    for (const auto& name : auth_keys(key)) {
      const json& entry = config_["auths"][name];
      if (!entry.is_object()) continue;
      Credentials c{.username = text(entry, name, "username"),
                    .password = text(entry, name, "password"),
                    .identity_token = text(entry, name, "identitytoken")};
      if (auto auth = text(entry, name, "auth"); !auth.empty()) {
        // The message names the field, never its value: it is the password, barely encoded.
        const std::string malformed =
            where("auths." + name + ".auth") + ": not base64 of user:password";
        std::string decoded;
        try {
          decoded = base64_decode(auth);
        } catch (const Error&) {
          throw Error(malformed);
        }
        auto colon = decoded.find(':');
        if (colon == std::string::npos || colon == 0) throw Error(malformed);
        c.username = decoded.substr(0, colon);
        c.password = decoded.substr(colon + 1);
        // Some writers pad the password with NULs; docker drops them.
        while (!c.password.empty() && c.password.back() == '\0') c.password.pop_back();
      }
      if (!c.username.empty() || !c.identity_token.empty()) return c;
    }
    return std::nullopt;
  }

  // Keys of `auths` for `key`'s host, the exact key first.
  std::vector<std::string> auth_keys(const std::string& key) const {
    std::vector<std::string> keys;
    auto auths = config_.find("auths");
    if (auths == config_.end() || !auths->is_object()) return keys;
    if (auths->contains(key)) keys.push_back(key);
    for (const auto& [name, entry] : auths->items())
      if (name != key && host_of_server(name) == host_of_server(key)) keys.push_back(name);
    return keys;
  }

  // Replaces every entry of `key`'s host by `entry` (none when null); false when nothing changed.
  bool set_entry(const std::string& key, const json& entry) {
    if (entry.is_null() && auth_keys(key).empty()) return false;
    const json before = config_;
    if (!config_["auths"].is_object()) config_["auths"] = json::object();
    for (const auto& name : auth_keys(key)) config_["auths"].erase(name);
    if (!entry.is_null()) config_["auths"][key] = entry;
    return config_ != before;
  }

  // Written whole and atomically, readable by its owner only: it may hold passwords.
  void write() const {
    fs::create_directories(path_.parent_path().empty() ? fs::path(".") : path_.parent_path());
    write_file_atomic(path_, config_.dump(1, '\t') + "\n", 0600);
  }

 private:
  std::string where(const std::string& field) const {
    return "registry config `" + path_.string() + "`: " + field;
  }

  std::string helper_name(const json& value, const std::string& field) const {
    if (!value.is_string() || value.get<std::string>().empty())
      throw Error(where(field) + ": not a helper name");
    return value.get<std::string>();
  }

  std::string text(const json& entry, const std::string& name, const std::string& field) const {
    auto it = entry.find(field);
    if (it == entry.end() || it->is_null()) return {};
    if (!it->is_string()) throw Error(where("auths." + name + "." + field) + ": not a string");
    return it->get<std::string>();
  }

  fs::path path_;
  json config_ = json::object();
};

}  // namespace

std::string host_of_server(std::string server) {
  if (auto scheme = server.find("://"); scheme != std::string::npos)
    server = server.substr(scheme + 3);
  if (auto slash = server.find('/'); slash != std::string::npos) server = server.substr(0, slash);
  return server;
}

std::string auth_key_for(const std::string& host) {
  return host == "docker.io" || host == "index.docker.io" ? "https://index.docker.io/v1/" : host;
}

const fs::path& CredentialStore::file() const {
  if (files_.empty()) throw Error("registry credentials: no config file to keep them in");
  return files_.front();
}

std::optional<Credentials> CredentialStore::find(const std::string& host) const {
  const std::string key = auth_key_for(host);
  for (const auto& file : files_) {
    ConfigFile config(file);
    // A file that names a helper for the registry has it keep the secrets, as docker reads it.
    if (auto helper = config.helper_for(key)) {
      if (auto found = CredentialHelper(*helper, helper_dirs_).get(key)) return found;
    } else if (auto found = config.entry_for(key)) {
      return found;
    }
  }
  return std::nullopt;
}

std::string CredentialStore::save(const std::string& host, const Credentials& credentials) const {
  const std::string key = auth_key_for(host);
  ConfigFile config(file());
  if (auto name = config.helper_for(key)) {
    CredentialHelper helper(*name, helper_dirs_);
    helper.store(key, credentials);
    // An empty entry says where the login went, and a password an earlier login left is gone.
    if (config.set_entry(key, json::object())) config.write();
    return "credential helper `" + helper.program() + "`";
  }
  json entry = json::object();
  if (!credentials.username.empty())
    entry["auth"] = base64_encode(credentials.username + ":" + credentials.password);
  if (!credentials.identity_token.empty()) entry["identitytoken"] = credentials.identity_token;
  config.set_entry(key, entry);
  config.write();
  return "`" + file().string() + "`";
}

bool CredentialStore::erase(const std::string& host) const {
  const std::string key = auth_key_for(host);
  ConfigFile config(file());
  bool erased = false;
  if (auto name = config.helper_for(key)) erased = CredentialHelper(*name, helper_dirs_).erase(key);
  if (config.set_entry(key, json())) {
    config.write();
    erased = true;
  }
  return erased;
}

}  // namespace gantry::registry

#include "registry/credentials.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::registry {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// "https://host:5000/v1/" -> "host:5000"
std::string host_of_key(std::string key) {
  if (auto scheme = key.find("://"); scheme != std::string::npos) key = key.substr(scheme + 3);
  if (auto slash = key.find('/'); slash != std::string::npos) key = key.substr(0, slash);
  return key;
}

json read_config(const fs::path& file) {
  if (!fs::exists(file)) return json::object();
  try {
    json config = json::parse(read_file(file));
    return config.is_object() ? config : json::object();
  } catch (const json::exception& e) {
    throw Error("registry config `" + file.string() + "`: not valid JSON: " + e.what());
  }
}

}  // namespace

std::string auth_key_for(const std::string& host) {
  return host == "docker.io" ? "https://index.docker.io/v1/" : host;
}

CredentialStore CredentialStore::from_environment() {
  std::vector<fs::path> files;
  if (const char* gantry = std::getenv("GANTRY_CONFIG"); gantry && *gantry) files.emplace_back(gantry);
  if (const char* docker = std::getenv("DOCKER_CONFIG"); docker && *docker)
    files.push_back(fs::path(docker) / "config.json");
  else if (const char* home = std::getenv("HOME"); home && *home)
    files.push_back(fs::path(home) / ".docker" / "config.json");
  else
    files.emplace_back("/root/.docker/config.json");
  return CredentialStore(std::move(files));
}

std::optional<Credentials> CredentialStore::find(const std::string& host) const {
  const std::string wanted = host_of_key(auth_key_for(host));
  for (const auto& file : files_) {
    json auths = read_config(file).value("auths", json::object());
    for (const auto& [key, entry] : auths.items()) {
      if (host_of_key(key) != wanted || !entry.is_object()) continue;
      std::string user = entry.value("username", ""), password = entry.value("password", "");
      if (auto auth = entry.value("auth", ""); !auth.empty()) {
        std::string decoded = base64_decode(auth);
        auto colon = decoded.find(':');
        if (colon == std::string::npos)
          throw Error("registry config `" + file.string() + "`: auths." + key + ".auth is not user:password");
        user = decoded.substr(0, colon);
        password = decoded.substr(colon + 1);
      }
      if (!user.empty()) return Credentials{user, password};
    }
  }
  return std::nullopt;
}

void CredentialStore::save(const std::string& host, const Credentials& credentials) const {
  json config = read_config(file());
  if (!config["auths"].is_object()) config["auths"] = json::object();
  config["auths"][auth_key_for(host)] = {{"auth", base64_encode(credentials.username + ":" + credentials.password)}};
  fs::create_directories(file().parent_path().empty() ? fs::path(".") : file().parent_path());
  write_file_atomic(file(), config.dump(1, '\t') + "\n");
  fs::permissions(file(), fs::perms::owner_read | fs::perms::owner_write);  // it holds passwords
}

bool CredentialStore::erase(const std::string& host) const {
  json config = read_config(file());
  if (!config.contains("auths") || !config["auths"].is_object()) return false;
  const std::string wanted = host_of_key(auth_key_for(host));
  std::vector<std::string> keys;
  for (const auto& [key, entry] : config["auths"].items())
    if (host_of_key(key) == wanted) keys.push_back(key);
  for (const auto& key : keys) config["auths"].erase(key);
  if (keys.empty()) return false;
  write_file_atomic(file(), config.dump(1, '\t') + "\n");
  return true;
}

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) throw Error("base64 `" + std::string(text) + "`: length is not a multiple of 4");
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) throw Error("base64 `" + std::string(text) + "`: not valid base64");
  // EVP_DecodeBlock counts padding as zero bytes.
  std::size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace gantry::registry

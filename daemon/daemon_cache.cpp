#include "daemon/daemon_cache.h"

#include <cctype>

#include "base/digest.h"
#include "base/image_ref.h"

namespace gantry::daemon {

namespace {

// Whether the registry ref names a tag or a digest: a ':' or '@' after its last '/' (a ':' in
// the registry host, before the first '/', is a port).
bool names_a_tag(const std::string& ref) {
  const auto slash = ref.rfind('/');
  const std::string last = slash == std::string::npos ? ref : ref.substr(slash + 1);
  return last.find_first_of(":@") != std::string::npos;
}

// A tag (at most 128 of [A-Za-z0-9_.-], not starting with '.' or '-') for the build.
std::string build_tag(const std::string& first_tag, const std::string& dockerfile) {
  std::string name = first_tag.empty() ? "untagged" : first_tag;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  if (name.size() > 100) name.resize(100);
  if (name.front() == '.' || name.front() == '-') name.front() = '_';
  return name + "-" + sha256_of(dockerfile).hex().substr(0, 8);
}

}  // namespace

std::vector<engine::CacheSpec> daemon_cache_for_build(const std::vector<engine::CacheSpec>& specs,
                                                      const std::string& first_tag,
                                                      const std::string& dockerfile) {
  std::vector<engine::CacheSpec> out = specs;
  for (auto& spec : out)
    if (spec.type == "registry" && !names_a_tag(spec.location)) {
      spec.location += ":" + build_tag(first_tag, dockerfile);
      spec.attrs["ref"] = spec.location;
    }
  return out;
}

void add_cache_credentials(nlohmann::json& config_file, const std::vector<engine::CacheSpec>& specs,
                           const registry::CredentialStore& daemon_credentials) {
  for (const auto& spec : specs) {
    if (spec.type != "registry") continue;
    const std::string host = ImageRef::parse(spec.location).registry;
    const auto credentials = daemon_credentials.find(host);
    if (!credentials) continue;
    nlohmann::json entry = nlohmann::json::object();
    if (!credentials->identity_token.empty()) {
      entry["identitytoken"] = credentials->identity_token;
    } else {
      entry["username"] = credentials->username;
      entry["password"] = credentials->password;
    }
    config_file["auths"][registry::auth_key_for(host)] = entry;
  }
}

}  // namespace gantry::daemon

#include "base/platform.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>

#include "base/error.h"

namespace gantry {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool valid_component(std::string_view part) {
  return !part.empty() && std::all_of(part.begin(), part.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.';
  });
}

// One spelling per platform (the rules in the header).
void normalise(Platform& p) {
  p.os = lower(p.os);
  if (p.os == "macos") p.os = "darwin";
  p.architecture = lower(p.architecture);
  p.variant = lower(p.variant);
  const std::string& arch = p.architecture;
  std::string& variant = p.variant;
  if (arch == "i386") {
    p.architecture = "386";
    variant.clear();
  } else if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    p.architecture = "amd64";
    if (variant == "v1") variant.clear();
  } else if (arch == "aarch64" || arch == "arm64") {
    p.architecture = "arm64";
    if (variant == "8" || variant == "v8" || variant == "v8.0")
      variant.clear();
    else if (variant == "9" || variant == "9.0" || variant == "v9.0")
      variant = "v9";
  } else if (arch == "armhf") {
    p.architecture = "arm";
    variant = "v7";
  } else if (arch == "armel") {
    p.architecture = "arm";
    variant = "v6";
  } else if (arch == "arm") {
    if (variant.empty() || variant == "7")
      variant = "v7";
    else if (variant == "5" || variant == "6" || variant == "8")
      variant = "v" + variant;
  }
}

// "v3" -> 3; nothing for another spelling.
std::optional<int> variant_number(const std::string& variant) {
  if (variant.size() != 2 || variant[0] != 'v' ||
      !std::isdigit(static_cast<unsigned char>(variant[1])))
    return std::nullopt;
  return variant[1] - '0';
}

Platform with(const Platform& base, std::string architecture, std::string variant) {
  Platform p = base;
  p.architecture = std::move(architecture);
  p.variant = std::move(variant);
  return p;
}

// What a machine of platform `p` runs, best first (the table in the header).
std::vector<Platform> runnable_on(const Platform& p) {
  std::vector<Platform> out{p};
  auto arm_from = [&](int version) {
    for (; version >= 5; --version) out.push_back(with(p, "arm", "v" + std::to_string(version)));
  };
  if (p.architecture == "amd64") {
    const int level = p.variant.empty() ? 1 : variant_number(p.variant).value_or(1);
    for (int v = level - 1; v >= 1; --v)
      out.push_back(with(p, "amd64", v == 1 ? "" : "v" + std::to_string(v)));
    out.push_back(with(p, "386", ""));
  } else if (p.architecture == "arm64") {
    arm_from(8);
  } else if (p.architecture == "arm") {
    if (auto version = variant_number(p.variant)) arm_from(*version - 1);
  }
  return out;
}

}  // namespace

Platform Platform::parse(std::string_view text) {
  auto bad = [&](const char* why) {
    return UsageError("platform `" + std::string(text) + "`: " + why);
  };
  std::vector<std::string_view> parts;
  for (std::size_t pos = 0;;) {
    auto slash = text.find('/', pos);
    parts.push_back(
        text.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (parts.size() > 3) throw bad("not os/architecture[/variant]");
  Platform p;
  std::string_view os = parts[0];
  // containerd's "windows(10.0.17763)/amd64": the os with its version.
  if (auto open = os.find('('); open != std::string_view::npos) {
    if (!os.ends_with(')') || os.size() - open < 3)
      throw bad("an os version is written os(version)");
    p.os_version = std::string(os.substr(open + 1, os.size() - open - 2));
    os = os.substr(0, open);
  }
  if (!valid_component(os)) throw bad("not os/architecture[/variant]");
  for (std::size_t i = 1; i < parts.size(); ++i)
    if (!valid_component(parts[i])) throw bad("not os/architecture[/variant]");
  if (parts.size() == 1) {
    // One word is an os ("linux": this machine's architecture) or an architecture (on linux).
    const Platform host = host_platform();
    const std::string word = lower(os);
    if (word == "linux" || word == "windows" || word == "darwin" || word == "freebsd") {
      p.os = word;
      p.architecture = host.architecture;
      p.variant = host.variant;
    } else {
      p.os = "linux";
      p.architecture = word;
    }
  } else {
    p.os = std::string(os);
    p.architecture = std::string(parts[1]);
    if (parts.size() == 3) p.variant = std::string(parts[2]);
  }
  normalise(p);
  return p;
}

std::optional<Platform> Platform::from_json(const nlohmann::json& platform) {
  if (!platform.is_object()) return std::nullopt;
  auto text = [&](const char* key) {
    auto it = platform.find(key);
    return it != platform.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Platform p{text("os"), text("architecture"), text("variant"), text("os.version"), {}};
  if (p.os.empty() || p.architecture.empty()) return std::nullopt;
  if (auto features = platform.find("os.features");
      features != platform.end() && features->is_array())
    for (const auto& f : *features)
      if (f.is_string()) p.os_features.push_back(f.get<std::string>());
  normalise(p);
  return p;
}

std::string Platform::str() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

std::vector<std::optional<Platform>> index_platforms(const nlohmann::json& index) {
  std::vector<std::optional<Platform>> out;
  auto manifests = index.find("manifests");
  if (!index.is_object() || manifests == index.end() || !manifests->is_array()) return out;
  for (const auto& entry : *manifests) {
    auto platform = entry.is_object() ? entry.find("platform") : entry.end();
    out.push_back(entry.is_object() && platform != entry.end() ? Platform::from_json(*platform)
                                                               : std::nullopt);
  }
  return out;
}

Platform host_platform() {
  struct utsname u;
  if (::uname(&u) != 0) throw_errno("uname");
  const std::string machine = u.machine;
  Platform p{"linux", machine, "", "", {}};
  // uname says armv7l, armv6l, armv5tel, armv8l for 32-bit ARM kernels.
  if (machine.starts_with("armv") && machine.size() >= 5 &&
      std::isdigit(static_cast<unsigned char>(machine[4]))) {
    p.architecture = "arm";
    p.variant = std::string("v") + machine[4];
  } else if (machine == "i686" || machine == "i586" || machine == "i486") {
    p.architecture = "386";
  }
  normalise(p);
  return p;
}

PlatformMatcher::PlatformMatcher(Platform wanted)
    : wanted_(std::move(wanted)), runs_(runnable_on(wanted_)) {}

std::optional<std::size_t> PlatformMatcher::rank(const Platform& candidate) const {
  if (!wanted_.os_version.empty() && candidate.os_version != wanted_.os_version)
    return std::nullopt;
  for (const auto& feature : wanted_.os_features)
    if (std::find(candidate.os_features.begin(), candidate.os_features.end(), feature) ==
        candidate.os_features.end())
      return std::nullopt;
  for (std::size_t i = 0; i < runs_.size(); ++i)
    if (runs_[i].os == candidate.os && runs_[i].architecture == candidate.architecture &&
        runs_[i].variant == candidate.variant)
      return i;
  return std::nullopt;
}

bool PlatformMatcher::matches(const Platform& candidate) const {
  return rank(candidate).has_value();
}

std::optional<std::size_t> PlatformMatcher::best(
    const std::vector<std::optional<Platform>>& candidates) const {
  std::optional<std::size_t> chosen, chosen_rank;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!candidates[i]) continue;
    const auto r = rank(*candidates[i]);
    if (r && (!chosen_rank || *r < *chosen_rank)) {
      chosen = i;
      chosen_rank = r;
    }
  }
  return chosen;
}

}  // namespace gantry

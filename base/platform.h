// Platforms as images name them ("linux/amd64", "linux/arm/v7"), and which manifest of a
// multi-platform index a host should run, as containerd's platform matcher picks it.
//
// Every Platform is normalised when it is made, so that spellings of one platform compare
// equal: aarch64 is arm64 (whose default variant v8 is spelt as no variant), x86_64 is amd64
// (v1, the baseline, likewise), armhf is arm/v7, armel arm/v6, a bare arm is arm/v7, i386 is 386.
//
// A PlatformMatcher for a wanted platform accepts it and what runs on it, best first:
//   amd64/vN: amd64/vN, amd64/vN-1, ..., amd64 (v1), then 386
//   arm64:    arm64, then arm/v8, arm/v7, arm/v6, arm/v5 (32-bit ARM code)
//   arm/vN:   arm/vN, arm/vN-1, ..., arm/v5
//   others:   exactly themselves
// os.version and os.features are compared only when the wanted platform names them.
//
//   PlatformMatcher host(host_platform());
//   auto chosen = host.best({Platform::parse("linux/arm/v7"), Platform::parse("linux/amd64")});
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gantry {

struct Platform {
  std::string os;            // "linux"
  std::string architecture;  // GOARCH spelling: "amd64", "arm64", "arm", "386", "s390x"
  std::string variant;       // "v7"; empty for a default variant (arm64's v8, amd64's v1)
  std::string os_version;    // "10.0.17763.1879"; empty unless the platform says one
  std::vector<std::string> os_features;

  // "os/arch[/variant]", the os optionally with its version as "os(version)"; throws UsageError
  // naming the text when it is not one.
  static Platform parse(std::string_view text);
  // An index entry's "platform" object ({"os": ..., "architecture": ..., "variant": ...,
  // "os.version": ..., "os.features": [...]}); nothing when it has no os or architecture.
  static std::optional<Platform> from_json(const nlohmann::json& platform);

  // "linux/arm/v7", "linux/amd64"
  std::string str() const;
  bool operator==(const Platform&) const = default;
};

// The platform of each entry of an image index's "manifests", in order; nothing for an entry
// without one. Attestation manifests (docker's "unknown/unknown") are listed as they are and
// match no platform.
std::vector<std::optional<Platform>> index_platforms(const nlohmann::json& index);

// The platform of the machine gantry runs on: linux and uname's machine, normalised.
Platform host_platform();

class PlatformMatcher {
 public:
  explicit PlatformMatcher(Platform wanted);

  const Platform& wanted() const { return wanted_; }
  bool matches(const Platform& candidate) const;
  // The index in `candidates` of the one this platform runs best (the first of equals), or
  // nothing when it runs none of them.
  std::optional<std::size_t> best(const std::vector<std::optional<Platform>>& candidates) const;

 private:
  // The position of `candidate` in the order of preference; nothing when it does not run.
  std::optional<std::size_t> rank(const Platform& candidate) const;

  Platform wanted_;
  std::vector<Platform> runs_;  // wanted_ first, then what it also runs, best first
};

}  // namespace gantry

#include "engine/output_spec.h"

#include <charconv>
#include <set>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/unique_fd.h"

namespace gantry::engine {

namespace {

// Each type and the keys it takes besides type=: every other key is refused by name, never
// accepted and ignored.
const std::map<std::string, std::set<std::string>>& known_types() {
  static const std::set<std::string> packing = {"compression", "compression-level",
                                                "force-compression", "oci-mediatypes"};
  auto with = [](std::set<std::string> keys, const std::set<std::string>& more) {
    keys.insert(more.begin(), more.end());
    return keys;
  };
  static const std::map<std::string, std::set<std::string>> types = {
      {"image", packing},       {"oci", with({"dest"}, packing)}, {"docker", {"dest"}},
      {"tar", {"dest"}},        {"local", {"dest"}},              {"registry", with({"name"}, packing)}};
  return types;
}

std::string joined(const std::set<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

bool parse_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  throw UsageError("invalid --output value for " + key + ": `" + v + "` (want true or false)");
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

[[noreturn]] void cannot_write(const std::string& what, const std::filesystem::path& path,
                               const std::string& why) {
  throw UsageError(what + ": cannot write `" + path.string() + "`: " + why);
}

}  // namespace

OutputSpec parse_output_spec(const std::string& text) {
  OutputSpec spec;
  if (text.find('=') == std::string::npos) {
    spec.type = text == "-" ? "tar" : "local";
    spec.dest = text;
    return spec;
  }
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    std::string field = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto eq = field.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("invalid --output `" + text + "`: `" + field + "` is not key=value");
    spec.attrs[field.substr(0, eq)] = field.substr(eq + 1);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  spec.type = spec.attrs.count("type") ? spec.attrs["type"] : "";
  if (spec.type.empty()) throw UsageError("invalid --output `" + text + "`: type= is required");
  const auto type = known_types().find(spec.type);
  if (type == known_types().end())
    throw UsageError("invalid --output `" + text + "`: unknown type `" + spec.type +
                     "` (image, oci, docker, tar, local, registry)");
  for (const auto& [key, value] : spec.attrs)
    if (key != "type" && !type->second.count(key))
      throw UsageError("invalid --output `" + text + "`: type=" + spec.type + " takes no `" + key +
                       "` (" + (type->second.empty() ? "nothing" : joined(type->second)) + ")");
  if (spec.attrs.count("dest")) spec.dest = spec.attrs["dest"];
  if (type->second.count("dest") && spec.dest.empty())
    throw UsageError("invalid --output `" + text + "`: type=" + spec.type + " needs dest=");
  // Every value is checked now, before the build, not when the output is written.
  spec.pack_options(std::nullopt);
  spec.force_compression();
  return spec;
}

bool OutputSpec::oci_mediatypes() const {
  auto it = attrs.find("oci-mediatypes");
  if (it != attrs.end()) return parse_bool("oci-mediatypes", it->second);
  return type != "docker";
}

bool OutputSpec::force_compression() const {
  auto it = attrs.find("force-compression");
  return it != attrs.end() && parse_bool("force-compression", it->second);
}

exporter::PackOptions OutputSpec::pack_options(std::optional<std::int64_t> clamp_mtime) const {
  exporter::PackOptions p;
  p.oci_media_types = oci_mediatypes();
  p.clamp_mtime = clamp_mtime;
  if (auto it = attrs.find("compression"); it != attrs.end()) {
    if (it->second == "gzip") p.compression = exporter::Compression::Gzip;
    else if (it->second == "zstd") p.compression = exporter::Compression::Zstd;
    else if (it->second == "uncompressed") p.compression = exporter::Compression::Uncompressed;
    else throw UsageError("invalid --output compression `" + it->second + "` (gzip, zstd, uncompressed)");
  }
  if (auto it = attrs.find("compression-level"); it != attrs.end()) {
    int level = 0;
    auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), level);
    // gzip takes 0-9, zstd 1-22 (as buildx: 0-9 and 0-22).
    const int most = p.compression == exporter::Compression::Zstd ? 22 : 9;
    if (ec != std::errc() || end != it->second.data() + it->second.size() || level < 0 || level > most)
      throw UsageError("invalid --output compression-level `" + it->second + "` (0 to " +
                       std::to_string(most) + ")");
    p.level = level;
  }
  return p;
}

void check_file_destination(const std::filesystem::path& file, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) cannot_write(what, file, "it is a directory");
  // Outputs are written as an unnamed file in the destination's directory (OutputFile,
  // write_file_atomic): making one, which leaves nothing behind, is the exact test.
  const std::filesystem::path dir = directory_of(file);
  const UniqueFd probe(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  if (!probe) cannot_write(what, file, "`" + dir.string() + "`: " + std::strerror(errno));
}

void check_destination(const OutputSpec& spec) {
  if (spec.dest.empty() || spec.dest == "-") return;
  const std::string what = "--output type=" + spec.type;
  if (spec.type != "local") return check_file_destination(spec.dest, what);
  std::error_code ec;
  const std::filesystem::path dest = spec.dest;
  if (std::filesystem::exists(dest, ec) &&
      !(std::filesystem::is_directory(dest, ec) && std::filesystem::is_empty(dest, ec)))
    cannot_write(what, dest, "it exists and is not an empty directory");
  // The tree is made beside it, then renamed into place.
  const std::filesystem::path dir = directory_of(dest);
  if (!std::filesystem::is_directory(dir, ec)) cannot_write(what, dest, "`" + dir.string() + "` is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    cannot_write(what, dest, "`" + dir.string() + "`: " + std::strerror(errno));
}

}  // namespace gantry::engine

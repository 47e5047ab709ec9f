#include "engine/output_spec.h"

#include <cctype>
#include <charconv>
#include <set>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/image_ref.h"
#include "base/unique_fd.h"

namespace gantry::engine {

namespace {

// The keys pack_options() and force_compression() read.
const std::set<std::string>& packing_keys() {
  static const std::set<std::string> keys = {"compression", "compression-level", "force-compression",
                                             "oci-mediatypes"};
  return keys;
}

// What a type takes besides type= and annotations: the keys gantry implements, and the keys
// buildx has that gantry does not (refused by name, with that said).
struct TypeKeys {
  std::set<std::string> implemented;
  std::set<std::string> not_implemented;
  bool annotations = false;
};

std::set<std::string> with(std::set<std::string> keys, const std::set<std::string>& more) {
  keys.insert(more.begin(), more.end());
  return keys;
}

const std::map<std::string, TypeKeys>& known_types() {
  static const std::set<std::string> image_extras = {"push-by-digest",       "registry.insecure",
                                                     "unpack",               "store",
                                                     "dangling-name-prefix", "danging-name-empty-only",
                                                     "name-canonical"};
  static const std::set<std::string> commit_extras = {"oci-artifact",      "attestation-inline",
                                                      "prefer-nondist-layers", "source-date-epoch",
                                                      "rewrite-timestamp", "buildinfo", "buildinfo-attrs"};
  static const std::set<std::string> files_extras = {"platform-split", "source-date-epoch", "attestation-prefix"};
  static const std::map<std::string, TypeKeys> types = {
      {"image", {with({"name", "push"}, packing_keys()), with(image_extras, commit_extras), true}},
      {"registry", {with({"name", "push"}, packing_keys()), with(image_extras, commit_extras), true}},
      {"oci", {with({"dest", "tar", "name"}, packing_keys()), commit_extras, true}},
      // gantry's docker archive holds its layers as plain tars, with no manifest blob.
      {"docker", {{"dest", "tar", "name"}, with(commit_extras, packing_keys()), true}},
      {"tar", {{"dest"}, files_extras, false}},
      {"local", {{"dest"}, with(files_extras, {"mode"}), false}}};
  return types;
}

std::string joined(const std::set<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

bool parse_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "1" || v.empty()) return true;
  if (v == "false" || v == "0") return false;
  throw UsageError("invalid --output value for " + key + ": `" + v + "` (want true or false)");
}

// The fields of a CSV line as Go's encoding/csv reads them (buildx parses --output so): a
// field in double quotes may hold commas, and "" in it is a quote.
std::vector<std::string> csv_fields(const std::string& text) {
  std::vector<std::string> fields;
  std::size_t pos = 0;
  for (;;) {
    std::string field;
    if (pos < text.size() && text[pos] == '"') {
      for (++pos;; ++pos) {
        if (pos >= text.size()) throw UsageError("invalid --output `" + text + "`: a quote is not closed");
        if (text[pos] != '"') {
          field += text[pos];
        } else if (pos + 1 < text.size() && text[pos + 1] == '"') {
          field += '"';
          ++pos;
        } else {
          break;
        }
      }
      ++pos;
      if (pos < text.size() && text[pos] != ',')
        throw UsageError("invalid --output `" + text + "`: text after a closing quote");
    } else {
      const auto comma = text.find(',', pos);
      field = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (field.find('"') != std::string::npos)
        throw UsageError("invalid --output `" + text + "`: a quote inside `" + field + "` (quote the whole field)");
      pos = comma == std::string::npos ? text.size() : comma;
    }
    fields.push_back(std::move(field));
    if (pos >= text.size()) return fields;
    ++pos;  // the comma
  }
}

std::string trimmed_lower(const std::string& key) {
  const auto first = key.find_first_not_of(" \t");
  const auto last = key.find_last_not_of(" \t");
  std::string out = first == std::string::npos ? "" : key.substr(first, last - first + 1);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// name=a:1,b:1: each checked now, before the build.
std::vector<std::string> split_names(const std::string& text, const std::string& where) {
  std::vector<std::string> names;
  for (std::size_t pos = 0; pos <= text.size();) {
    const auto comma = text.find(',', pos);
    std::string name = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (name.empty()) throw UsageError(where + ": an empty name in name=");
    try {
      names.push_back(ImageRef::parse(name).familiar());
    } catch (const Error& e) {
      throw UsageError(where + ": name `" + name + "`: " + e.what());
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return names;
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
  const std::string where = "invalid --output `" + text + "`";
  for (const std::string& field : csv_fields(text)) {
    auto eq = field.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError(where + ": `" + field + "` is not key=value");
    spec.attrs[trimmed_lower(field.substr(0, eq))] = field.substr(eq + 1);
  }
  spec.type = spec.attrs.count("type") ? spec.attrs["type"] : "";
  if (spec.type.empty()) throw UsageError(where + ": type= is required");
  const auto type = known_types().find(spec.type);
  if (type == known_types().end())
    throw UsageError(where + ": unknown type `" + spec.type + "` (image, oci, docker, tar, local, registry)");
  const TypeKeys& keys = type->second;
  for (const auto& [key, value] : spec.attrs) {
    if (key == "type" || keys.implemented.count(key)) continue;
    if (keys.annotations && add_annotation_attribute(spec.annotations, key, value)) continue;
    if (keys.not_implemented.count(key))
      throw UsageError(where + ": gantry does not implement buildx's `" + key + "` for type=" + spec.type);
    throw UsageError(where + ": type=" + spec.type + " takes no `" + key + "` (it takes " +
                     joined(keys.implemented) + (keys.annotations ? ", annotation.KEY" : "") + ")");
  }
  if (auto it = spec.attrs.find("name"); it != spec.attrs.end()) spec.names = split_names(it->second, where);
  if (auto it = spec.attrs.find("tar"); it != spec.attrs.end()) spec.tar = parse_bool("tar", it->second);
  if (auto it = spec.attrs.find("push"); it != spec.attrs.end()) spec.push = parse_bool("push", it->second);
  if (spec.type == "registry") {
    if (spec.attrs.count("push") && !spec.push)
      throw UsageError(where + ": type=registry always pushes (type=image keeps the image without pushing)");
    spec.push = true;
  }
  if (spec.attrs.count("dest")) spec.dest = spec.attrs["dest"];
  if (spec.is_directory()) {
    if (spec.dest.empty()) throw UsageError(where + ": type=" + spec.type + (spec.tar ? "" : ",tar=false") + " needs dest=");
    if (spec.to_stdout())
      throw UsageError(where + ": type=" + spec.type + (spec.tar ? "" : ",tar=false") +
                       " writes a directory, which cannot go to standard output");
  } else if (spec.dest.empty() && (spec.type == "oci" || spec.type == "tar")) {
    spec.dest = "-";  // as buildx: an archive without a file goes to standard output
  }
  // Every value is checked now, before the build, not when the output is written.
  spec.pack_options(std::nullopt);
  spec.force_compression();
  return spec;
}

void add_annotations(OutputSpec& spec, const ImageAnnotations& annotations) {
  if (annotations.empty()) return;
  if (!known_types().at(spec.type).annotations)
    throw UsageError("--annotation: --output type=" + spec.type + " writes a root file system, not an image to annotate");
  ImageAnnotations merged = annotations;
  merged.merge(spec.annotations);  // the output's own win, as buildx keeps them
  spec.annotations = std::move(merged);
}

void check_annotation_levels(const OutputSpec& spec) {
  const ImageAnnotations& a = spec.annotations;
  if (a.empty()) return;
  const std::string what = "--output type=" + spec.type + (spec.tar ? "" : ",tar=false");
  for (const AnnotationMap* level : {&a.index, &a.index_descriptor})
    if (!level->empty())
      throw UsageError("annotation `" + a.first_key_of(*level) + "`: " + what +
                       " writes a single-platform image, which has no image index to annotate");
  if (spec.type == "docker" && spec.tar)
    throw UsageError("annotation `" + a.first_key_of(a.manifest.empty() ? a.manifest_descriptor : a.manifest) +
                     "`: " + what + " writes docker's archive format, which has no manifest to annotate (type=oci has)");
  if (!spec.oci_mediatypes())
    throw UsageError("annotation `" + a.first_key_of(a.manifest.empty() ? a.manifest_descriptor : a.manifest) +
                     "`: " + what + " writes docker media types, whose manifests take no annotations (" +
                     (spec.type == "docker" ? "type=oci" : "oci-mediatypes=true") + " has)");
  if (!a.manifest_descriptor.empty() && (spec.type == "image" || spec.type == "registry"))
    throw UsageError("annotation `" + a.first_key_of(a.manifest_descriptor) + "`: " + what +
                     (spec.push ? " pushes a manifest" : " keeps a manifest") +
                     " that no descriptor names (an OCI layout's index.json has one: type=oci)");
}

bool OutputSpec::oci_mediatypes() const {
  auto it = attrs.find("oci-mediatypes");
  if (it != attrs.end()) return parse_bool("oci-mediatypes", it->second);
  return type != "docker";
}

bool OutputSpec::sets_packing() const {
  for (const auto& key : packing_keys())
    if (attrs.count(key)) return true;
  return false;
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
  const std::string what = "--output type=" + spec.type + (spec.tar ? "" : ",tar=false");
  if (!spec.is_directory()) return check_file_destination(spec.dest, what);
  std::error_code ec;
  const std::filesystem::path dest = spec.dest;
  if (std::filesystem::exists(dest, ec) &&
      !(std::filesystem::is_directory(dest, ec) && std::filesystem::is_empty(dest, ec)))
    cannot_write(what, dest, "it exists and is not an empty directory");
  // The tree (or layout) is made beside it, then renamed into place.
  const std::filesystem::path dir = directory_of(dest);
  if (!std::filesystem::is_directory(dir, ec)) cannot_write(what, dest, "`" + dir.string() + "` is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    cannot_write(what, dest, "`" + dir.string() + "`: " + std::strerror(errno));
}

}  // namespace gantry::engine

#include "frontend/dockerfile/run_mount.h"

#include <vector>

#include "base/error.h"
#include "frontend/dockerfile/dockerignore.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

namespace {

std::uint32_t parse_number(std::string_view value, int base, std::string_view key, std::string_view spec) {
  std::uint64_t n = 0;
  if (value.empty() || value.size() > 10) throw Error("invalid " + std::string(key) + " value '" + std::string(value) + "' in '" + std::string(spec) + "'");
  for (char c : value) {
    int digit = c - '0';
    if (digit < 0 || digit >= base) throw Error("invalid " + std::string(key) + " value '" + std::string(value) + "' in '" + std::string(spec) + "'");
    n = n * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(digit);
  }
  if (n > 0xFFFFFFFFu) throw Error("invalid " + std::string(key) + " value '" + std::string(value) + "' in '" + std::string(spec) + "'");
  return static_cast<std::uint32_t>(n);
}

// "64m", "1g", "512k", "1024" -> bytes.
std::int64_t parse_size(std::string_view value, std::string_view spec) {
  std::string_view digits = value;
  std::int64_t scale = 1;
  if (!digits.empty()) {
    switch (digits.back() | 0x20) {
      case 'k': scale = 1024; break;
      case 'm': scale = 1024 * 1024; break;
      case 'g': scale = 1024LL * 1024 * 1024; break;
      default: break;
    }
    if (scale != 1) digits.remove_suffix(1);
  }
  return static_cast<std::int64_t>(parse_number(digits, 10, "size", spec)) * scale;
}

bool parse_bool(std::string_view value, std::string_view key, std::string_view spec) {
  if (value.empty() || value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  throw Error("invalid value for " + std::string(key) + ": '" + std::string(value) + "' in '" + std::string(spec) + "'");
}

}  // namespace

RunMount parse_run_mount(std::string_view spec) {
  RunMount m;
  bool readonly_set = false;
  std::string type = "bind";
  std::vector<std::pair<std::string, std::string>> fields;
  std::size_t pos = 0;
  while (pos <= spec.size()) {
    std::size_t comma = spec.find(',', pos);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string_view field = trim_space(spec.substr(pos, comma - pos));
    pos = comma + 1;
    if (field.empty()) continue;
    std::size_t eq = field.find('=');
    std::string key = to_lower(field.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : std::string(field.substr(eq + 1));
    if (key == "type") type = to_lower(value);
    else fields.emplace_back(key, value);
  }
  if (type == "bind") m.type = llb::MountType::Bind;
  else if (type == "cache") m.type = llb::MountType::Cache;
  else if (type == "tmpfs") m.type = llb::MountType::Tmpfs;
  else if (type == "secret") m.type = llb::MountType::Secret;
  else if (type == "ssh") m.type = llb::MountType::Ssh;
  else throw Error("unsupported mount type '" + type + "' in '" + std::string(spec) + "'");

  for (const auto& [key, value] : fields) {
    if (key == "target" || key == "dst" || key == "destination") m.target = value;
    else if ((key == "source" || key == "src") && m.type != llb::MountType::Tmpfs && m.type != llb::MountType::Ssh) m.source = value;
    else if (key == "from" && (m.type == llb::MountType::Bind || m.type == llb::MountType::Cache)) m.from = value;
    else if (key == "readonly" || key == "ro") { m.readonly = parse_bool(value, key, spec); readonly_set = true; }
    else if (key == "readwrite" || key == "rw") { m.readonly = !parse_bool(value, key, spec); readonly_set = true; }
    else if (key == "id") m.id = value;
    else if (key == "sharing" && m.type == llb::MountType::Cache) {
      if (value == "shared") m.sharing = llb::CacheSharing::Shared;
      else if (value == "private") m.sharing = llb::CacheSharing::Private;
      else if (value == "locked") m.sharing = llb::CacheSharing::Locked;
      else throw Error("unsupported sharing value '" + value + "' in '" + std::string(spec) + "'");
    }
    else if (key == "size" && m.type == llb::MountType::Tmpfs) m.size = parse_size(value, spec);
    else if (key == "required" && (m.type == llb::MountType::Secret || m.type == llb::MountType::Ssh)) m.required = parse_bool(value, key, spec);
    else if (key == "env" && m.type == llb::MountType::Secret) m.env = value;
    else if (key == "mode" && m.type != llb::MountType::Bind && m.type != llb::MountType::Tmpfs) m.mode = parse_number(value, 8, key, spec);
    else if (key == "uid" && m.type != llb::MountType::Bind && m.type != llb::MountType::Tmpfs) m.uid = parse_number(value, 10, key, spec);
    else if (key == "gid" && m.type != llb::MountType::Bind && m.type != llb::MountType::Tmpfs) m.gid = parse_number(value, 10, key, spec);
    else throw Error("unexpected key '" + key + "' for mount type " + type + " in '" + std::string(spec) + "'");
  }

  switch (m.type) {
    case llb::MountType::Bind:
      if (!readonly_set) m.readonly = true;  // bind mounts are read-only unless rw is given
      break;
    case llb::MountType::Cache:
      if (m.id.empty()) m.id = m.target;
      // source= is a path in what seeds the cache: with nothing to seed it, it would mean nothing.
      if (!m.source.empty() && m.from.empty())
        throw Error("cache mount source '" + m.source + "' needs from= (the stage or image that seeds the cache) in '" +
                    std::string(spec) + "'");
      break;
    case llb::MountType::Secret:
      // As BuildKit: a secret's source is its id.
      if (!m.source.empty() && !m.id.empty()) throw Error("both source and id can't be set in '" + std::string(spec) + "'");
      if (!m.source.empty()) m.id = m.source;
      if (m.id.empty() && !m.target.empty()) m.id = m.target.substr(m.target.rfind('/') + 1);
      if (m.id.empty()) throw Error("secret mount requires an id or a target in '" + std::string(spec) + "'");
      if (m.target.empty() && m.env.empty()) m.target = "/run/secrets/" + m.id;
      m.readonly = true;
      break;
    case llb::MountType::Ssh:
      if (m.id.empty()) m.id = "default";
      if (m.target.empty()) m.target = "/run/buildkit/ssh_agent.0";
      m.readonly = true;
      break;
    case llb::MountType::Tmpfs:
      break;
  }
  if (m.target.empty() && !(m.type == llb::MountType::Secret && !m.env.empty()))
    throw Error("mount target is required in '" + std::string(spec) + "'");
  if (!m.target.empty()) m.target = clean_path(m.target);
  return m;
}

}  // namespace gantry::frontend

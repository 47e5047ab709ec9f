// Image verbs: images, import, tag, rmi, inspect, history, save, load.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/image_ref.h"
#include "cache/store.h"
#include "cli/command.h"
#include "cli/quantities.h"
#include "exporter/archive.h"
#include "exporter/image.h"
#include "exporter/import.h"
#include "exporter/load.h"

namespace gantry::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::int64_t image_size(const exporter::ImageView& v) {
  std::int64_t size = 0;
  for (const auto& l : v.manifest_json.value("layers", json::array())) size += l.value("size", 0LL);
  return size;
}

std::string human_age(const std::string& created) {
  std::tm tm{};
  if (created.size() < 19 || !strptime(created.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return "N/A";
  std::int64_t age = static_cast<std::int64_t>(std::time(nullptr)) - timegm(&tm);
  if (age < 60) return "Less than a minute ago";
  if (age < 3600) return std::to_string(age / 60) + " minutes ago";
  if (age < 86400) return std::to_string(age / 3600) + " hours ago";
  if (age < 86400 * 365) return std::to_string(age / 86400) + " days ago";
  return std::to_string(age / (86400 * 365)) + " years ago";
}

// The manifest a user's reference names: a tag in the store, or an image id / digest prefix.
Digest find_image(cache::Store& store, const std::string& ref) {
  for (const auto& e : store.images().list()) {
    if (e.manifest.hex().starts_with(ref) || e.manifest.str() == ref) return e.manifest;
    auto view = exporter::read_image(store.content(), e.manifest);
    std::string id = ref.starts_with("sha256:") ? ref.substr(7) : ref;
    if (id.size() >= 4 && view.config.hex().starts_with(id)) return e.manifest;
  }
  if (auto d = store.images().find(ImageRef::parse(ref).familiar())) return *d;
  throw Error("image `" + ref + "`: no such image");
}

struct Repo {
  std::string repository, tag;
};
Repo split_name(const std::string& familiar) {
  auto at = familiar.rfind(':');
  auto slash = familiar.rfind('/');
  if (at == std::string::npos || (slash != std::string::npos && at < slash)) return {familiar, "<none>"};
  return {familiar.substr(0, at), familiar.substr(at + 1)};
}

int run_images(cache::Store& store, bool quiet, bool digests) {
  if (!quiet) {
    std::printf("%-40s %-12s %s%-14s %-22s %s\n", "REPOSITORY", "TAG", digests ? "DIGEST                                                                    " : "",
                "IMAGE ID", "CREATED", "SIZE");
  }
  for (const auto& e : store.images().list()) {
    auto view = exporter::read_image(store.content(), e.manifest);
    if (quiet) {
      std::printf("%s\n", view.config.short_hex().c_str());
      continue;
    }
    auto [repo, tag] = split_name(e.name);
    std::printf("%-40s %-12s %s%-14s %-22s %s\n", repo.c_str(), tag.c_str(),
                digests ? (e.manifest.str() + " ").c_str() : "", view.config.short_hex().c_str(),
                human_age(view.config_json.value("created", "")).c_str(),
                human_size(image_size(view)).c_str());
  }
  return 0;
}

}  // namespace

void add_image_commands(CLI::App& app, GlobalOptions& global, Action& action) {
  {
    auto quiet = std::make_shared<bool>(false);
    auto digests = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("images", "List images in the local store");
    cmd->add_flag("-q,--quiet", *quiet, "Only show image IDs");
    cmd->add_flag("--digests", *digests, "Show manifest digests");
    cmd->callback([&global, &action, quiet, digests] {
      action = [&global, quiet, digests] {
        cache::Store store(global.state_root());
        return run_images(store, *quiet, *digests);
      };
    });
  }
  {
    auto args = std::make_shared<std::vector<std::string>>();
    auto* cmd = app.add_subcommand("import", "Create an image from a rootfs tarball");
    cmd->add_option("ARGS", *args, "ROOTFS.tar [NAME[:TAG]]")->required()->expected(1, 2);
    cmd->callback([&global, &action, args] {
      action = [&global, args] {
        cache::Store store(global.state_root());
        fs::path tarball = (*args)[0];
        if (!fs::exists(tarball)) throw Error("import `" + tarball.string() + "`: no such file");
        const char* sde = std::getenv("SOURCE_DATE_EPOCH");
        std::int64_t created = sde ? std::stoll(sde) : static_cast<std::int64_t>(std::time(nullptr));
        auto record = exporter::import_rootfs(tarball, store.content(), created);
        if (args->size() > 1) store.images().set(ImageRef::parse((*args)[1]).familiar(), record.manifest);
        std::cout << record.config.str() << "\n";
        return 0;
      };
    });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    auto* cmd = app.add_subcommand("tag", "Give an image another name");
    cmd->add_option("NAMES", *names, "SOURCE TARGET")->required()->expected(2);
    cmd->callback([&global, &action, names] {
      action = [&global, names] {
        cache::Store store(global.state_root());
        store.images().set(ImageRef::parse((*names)[1]).familiar(), find_image(store, (*names)[0]));
        return 0;
      };
    });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    auto force = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("rmi", "Remove image names from the store");
    cmd->add_option("IMAGES", *names, "Image names")->required();
    cmd->add_flag("-f,--force", *force, "Remove every name of an image given by id");
    cmd->callback([&global, &action, names, force] {
      action = [&global, names, force] {
        cache::Store store(global.state_root());
        for (const auto& n : *names) {
          std::string familiar;
          try {
            familiar = ImageRef::parse(n).familiar();
          } catch (const UsageError&) {
          }
          if (!familiar.empty() && store.images().remove(familiar)) {
            std::cout << "Untagged: " << familiar << "\n";
            continue;
          }
          Digest manifest = find_image(store, n);
          std::vector<std::string> tags;
          for (const auto& e : store.images().list())
            if (e.manifest == manifest) tags.push_back(e.name);
          if (tags.size() > 1 && !*force)
            throw Error("image `" + n + "` is referenced by " + std::to_string(tags.size()) +
                        " names: remove them by name or use -f");
          for (const auto& t : tags) {
            store.images().remove(t);
            std::cout << "Untagged: " << t << "\n";
          }
        }
        return 0;
      };
    });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    auto* cmd = app.add_subcommand("inspect", "Show an image's manifest and config as JSON");
    cmd->add_option("IMAGES", *names, "Images")->required();
    cmd->callback([&global, &action, names] {
      action = [&global, names] {
        cache::Store store(global.state_root());
        json out = json::array();
        for (const auto& n : *names) {
          auto view = exporter::read_image(store.content(), find_image(store, n));
          out.push_back({{"Id", view.config.str()}, {"Digest", view.manifest.str()},
                         {"Manifest", view.manifest_json}, {"Config", view.config_json}});
        }
        std::cout << out.dump(2) << "\n";
        return 0;
      };
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("history", "Show the history of an image");
    cmd->add_option("IMAGE", *name, "Image")->required();
    cmd->callback([&global, &action, name] {
      action = [&global, name] {
        cache::Store store(global.state_root());
        auto view = exporter::read_image(store.content(), find_image(store, *name));
        const auto& layers = view.manifest_json.value("layers", json::array());
        std::printf("%-22s %-60s %s\n", "CREATED", "CREATED BY", "SIZE");
        std::vector<std::string> rows;
        std::size_t layer = 0;
        for (const auto& h : view.config_json.value("history", json::array())) {
          bool empty = h.value("empty_layer", false);
          std::int64_t size = (!empty && layer < layers.size()) ? layers[layer++].value("size", 0LL) : 0;
          std::string by = h.value("created_by", "");
          if (by.size() > 60) by = by.substr(0, 57) + "...";
          char line[256];
          std::snprintf(line, sizeof line, "%-22s %-60s %s", human_age(h.value("created", "")).c_str(),
                        by.c_str(), human_size(size).c_str());
          rows.emplace_back(line);
        }
        for (auto it = rows.rbegin(); it != rows.rend(); ++it) std::printf("%s\n", it->c_str());
        return 0;
      };
    });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    auto out = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>("docker");
    auto* cmd = app.add_subcommand("save", "Write images to a tar archive");
    cmd->add_option("IMAGES", *names, "Images")->required();
    cmd->add_option("-o,--output", *out, "Archive to write")->required();
    cmd->add_option("--format", *format, "docker or oci")->check(CLI::IsMember({"docker", "oci"}));
    cmd->callback([&global, &action, names, out, format] {
      action = [&global, names, out, format] {
        cache::Store store(global.state_root());
        std::vector<std::pair<std::string, Digest>> named;
        for (const auto& n : *names) {
          Digest d = find_image(store, n);
          std::string familiar;
          try {
            familiar = ImageRef::parse(n).familiar();
          } catch (const UsageError&) {
          }
          named.emplace_back(store.images().find(familiar) == d ? familiar : "", d);
        }
        if (*format == "oci") exporter::write_oci_archive(store.content(), named, *out);
        else exporter::write_docker_archive(store.content(), named, *out);
        return 0;
      };
    });
  }
  {
    auto input = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("load", "Load images from a docker-archive or oci-archive");
    cmd->add_option("-i,--input", *input, "Archive to read")->required();
    cmd->callback([&global, &action, input] {
      action = [&global, input] {
        cache::Store store(global.state_root());
        if (!fs::exists(*input)) throw Error("load `" + *input + "`: no such file");
        for (const auto& [name, manifest] : exporter::load_archive(*input, store.content())) {
          if (!name.empty()) store.images().set(ImageRef::parse(name).familiar(), manifest);
          std::cout << "Loaded image: " << (name.empty() ? manifest.str() : name) << "\n";
        }
        return 0;
      };
    });
  }
}

}  // namespace gantry::cli

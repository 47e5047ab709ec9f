// Image verbs: images, import, tag, rmi, inspect, history, save, load, and the `image` group
// (ls, rm, inspect, history, tag, save, load, import, prune) that spells them as docker does.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>

#include "base/error.h"
#include "base/quantities.h"
#include "cache/store.h"
#include "cli/command.h"
#include "cli/format/go_template.h"
#include "cli/format/list_format.h"
#include "cli/standard_streams.h"
#include "engine/image_filter.h"
#include "engine/image_history.h"
#include "engine/image_prune.h"
#include "engine/local_images.h"
#include "engine/store_images.h"
#include "exporter/image.h"

namespace gantry::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The seconds since the epoch of an image config's `created` (RFC 3339, in UTC as images have it).
std::optional<std::time_t> created_time(const std::string& created) {
  std::tm tm{};
  if (created.size() < 19 || !strptime(created.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return std::nullopt;
  return timegm(&tm);
}

std::string human_age(const std::string& created) {
  const auto time = created_time(created);
  if (!time) return "N/A";
  std::int64_t age = static_cast<std::int64_t>(std::time(nullptr)) - *time;
  if (age < 60) return "Less than a minute ago";
  if (age < 3600) return std::to_string(age / 60) + " minutes ago";
  if (age < 86400) return std::to_string(age / 3600) + " hours ago";
  if (age < 86400 * 365) return std::to_string(age / 86400) + " days ago";
  return std::to_string(age / (86400 * 365)) + " years ago";
}

// `created` in local time as a strftime `pattern` writes it.
std::string local_time(const std::string& created, const char* pattern) {
  const auto time = created_time(created);
  if (!time) return "N/A";
  std::tm tm{};
  localtime_r(&*time, &tm);
  char text[64];
  std::strftime(text, sizeof text, pattern, &tm);
  return text;
}

// docker's CreatedAt of a history row: RFC 3339 in local time.
std::string rfc3339_local(const std::string& created) {
  std::string text = local_time(created, "%Y-%m-%dT%H:%M:%S%z");
  if (text.size() < 5 || text == "N/A") return text;
  const std::string offset = text.substr(text.size() - 5);
  text.resize(text.size() - 5);
  return text + (offset == "+0000" ? "Z" : offset.substr(0, 3) + ":" + offset.substr(3));
}

struct Repo {
  std::string repository, tag;
};
Repo split_name(const std::string& familiar) {
  if (familiar.empty()) return {"<none>", "<none>"};  // an untagged image
  auto at = familiar.rfind(':');
  auto slash = familiar.rfind('/');
  if (at == std::string::npos || (slash != std::string::npos && at < slash)) return {familiar, "<none>"};
  return {familiar.substr(0, at), familiar.substr(at + 1)};
}

struct ImagesFlags {
  bool quiet = false;
  bool digests = false;
  std::vector<std::string> filters;
  std::string format;
};

// The fields of an `images --format` row, by the column names a table format heads them with.
json image_row_headers() {
  return {{"ID", "IMAGE ID"},         {"Repository", "REPOSITORY"}, {"Tag", "TAG"},  {"Digest", "DIGEST"},
          {"CreatedSince", "CREATED"}, {"CreatedAt", "CREATED AT"}, {"Size", "SIZE"}};
}

// The digests of `repository` among an image's: docker's DIGEST column, one row each.
std::vector<std::string> digests_in(const std::vector<cache::RepoDigest>& digests, const std::string& repository) {
  std::vector<std::string> out;
  for (const auto& d : digests)
    if (d.repository == repository) out.push_back(d.digest.str());
  if (out.empty()) out.push_back("<none>");
  return out;
}

// A cell of the DIGEST column: as wide as "sha256:" and 64 hex digits, and a space.
std::string digest_column(const std::string& text) {
  constexpr std::size_t kWidth = 71;
  return text + std::string(text.size() < kWidth ? kWidth - text.size() + 1 : 1, ' ');
}

// Named images by name, then untagged ones, as docker lists <none>:<none> images; with
// --digests, a row for each digest the registry of the row's repository knows the image by. A
// --format other than 'table' lays the rows out as its template says.
int run_images(cache::Store& store, const ImagesFlags& f) {
  const auto filter = engine::ImageFilter::parse(f.filters);
  if (!f.format.empty()) {
    const ListFormat format(f.format, image_row_headers());
    if (!format.is_default_table()) {
      if (f.quiet) throw UsageError("--quiet and --format: give one or the other");
      std::vector<json> rows;
      for (const auto& image : engine::list_images(store, filter)) {
        const auto& view = image.view;
        auto [repo, tag] = split_name(image.name);
        const std::string created = view.config_json.value("created", "");
        const std::vector<std::string> digests = digests_in(image.repo_digests, repo);
        const std::string size = human_size(engine::image_size(store, view));
        for (std::size_t i = 0; i < (f.digests ? digests.size() : 1); ++i)
          rows.push_back({{"ID", view.config.short_hex()}, {"Repository", repo}, {"Tag", tag}, {"Digest", digests[i]},
                          {"CreatedSince", human_age(created)},
                          {"CreatedAt", local_time(created, "%Y-%m-%d %H:%M:%S %z %Z")}, {"Size", size}});
      }
      std::cout << format.render(rows) << std::flush;
      return 0;
    }
  }
  if (!f.quiet) {
    std::printf("%-40s %-12s %s%-14s %-22s %s\n", "REPOSITORY", "TAG", f.digests ? digest_column("DIGEST").c_str() : "",
                "IMAGE ID", "CREATED", "SIZE");
  }
  for (const auto& image : engine::list_images(store, filter)) {
    const auto& view = image.view;
    if (f.quiet) {
      std::printf("%s\n", view.config.short_hex().c_str());
      continue;
    }
    auto [repo, tag] = split_name(image.name);
    const std::vector<std::string> digests = f.digests ? digests_in(image.repo_digests, repo) : std::vector<std::string>{""};
    const std::string size = human_size(engine::image_size(store, view));
    for (const auto& digest : digests)
      std::printf("%-40s %-12s %s%-14s %-22s %s\n", repo.c_str(), tag.c_str(),
                  f.digests ? digest_column(digest).c_str() : "",
                  view.config.short_hex().c_str(), human_age(view.config_json.value("created", "")).c_str(),
                  size.c_str());
  }
  return 0;
}

int run_image_prune(cache::Store& store, bool all, bool force) {
  if (!force) {
    std::cout << (all ? "WARNING! This will remove all images.\n"
                      : "WARNING! This will remove all dangling images.\n")
              << "Are you sure you want to continue? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") return 0;
  }
  auto report = engine::prune_images(store, all);
  if (!report.deleted.empty()) {
    std::cout << "Deleted Images:\n";
    for (const auto& name : report.untagged) std::cout << "untagged: " << name << "\n";
    for (const auto& id : report.deleted) std::cout << "deleted: " << id << "\n";
    std::cout << "\n";
  }
  std::cout << "Total reclaimed space: " << human_size(report.reclaimed_bytes) << "\n";
  return 0;
}

// Each verb is added by one function, called for the top-level spelling (`gantry images`) and
// for the `gantry image` group's (`gantry image ls`).
using VerbAdder = void (*)(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action);

void add_ls(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto f = std::make_shared<ImagesFlags>();
  auto* cmd = parent.add_subcommand(name, "List images in the local store");
  cmd->add_flag("-q,--quiet", f->quiet, "Only show image IDs");
  cmd->add_flag("--digests", f->digests, "Show the digests registries know images by");
  cmd->add_option("-f,--filter", f->filters,
                  "Filter: dangling=true|false, reference=PATTERN, label=KEY[=VALUE]")
      ->allow_extra_args(false);
  cmd->add_option("--format", f->format,
                  "'table', 'table TEMPLATE' (with a header row), 'json' or 'TEMPLATE': a Go template of a row's "
                  ".ID, .Repository, .Tag, .Digest, .CreatedSince, .CreatedAt, .Size");
  cmd->callback([&global, &action, f] {
    action = [&global, f] {
      cache::Store store(global.state_root());
      return run_images(store, *f);
    };
  });
}

void add_import(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand(name, "Create an image from a rootfs tarball");
  cmd->add_option("ARGS", *args, "ROOTFS.tar [NAME[:TAG]]")->required()->expected(1, 2);
  cmd->callback([&global, &action, args] {
    action = [&global, args] {
      const char* sde = std::getenv("SOURCE_DATE_EPOCH");
      const std::int64_t created = sde && *sde ? parse_epoch_seconds("SOURCE_DATE_EPOCH", sde)
                                               : static_cast<std::int64_t>(std::time(nullptr));
      cache::Store store(global.state_root());
      const std::optional<std::string> name = args->size() > 1 ? std::optional((*args)[1]) : std::nullopt;
      const auto record = engine::import_image(store, (*args)[0], name, created);
      std::cout << record.config.str() << "\n";
      return 0;
    };
  });
}

void add_tag(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand(name, "Give an image another name");
  cmd->add_option("NAMES", *names, "SOURCE TARGET")->required()->expected(2);
  cmd->callback([&global, &action, names] {
    action = [&global, names] {
      cache::Store store(global.state_root());
      engine::tag_image(store, (*names)[0], (*names)[1]);
      return 0;
    };
  });
}

void add_rm(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand(name, "Remove image names (or an untagged image, by id) from the store");
  cmd->add_option("IMAGES", *names, "Image names")->required();
  cmd->add_flag("-f,--force", *force, "Remove every name of an image given by id");
  cmd->callback([&global, &action, names, force] {
    action = [&global, names, force] {
      cache::Store store(global.state_root());
      for (const auto& n : *names) {
        const auto removed = engine::remove_image(store, n, *force);
        for (const auto& t : removed.untagged) std::cout << "Untagged: " << t << "\n";
        if (removed.deleted) std::cout << "Deleted: " << removed.deleted->str() << "\n";
      }
      return 0;
    };
  });
}

void add_inspect(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(name, "Show an image's manifest and config as JSON");
  cmd->add_option("IMAGES", *names, "Images")->required();
  cmd->add_option("-f,--format", *format,
                  "'json' (the default) or 'TEMPLATE': a Go template printed for each image, of its "
                  ".Id, .Digest, .RepoDigests, .Manifest, .Config");
  cmd->callback([&global, &action, names, format] {
    action = [&global, names, format] {
      const std::optional<GoTemplate> tmpl =
          format->empty() || *format == "json" ? std::nullopt : std::optional<GoTemplate>(*format);
      cache::Store store(global.state_root());
      json out = json::array();
      for (const auto& n : *names) {
        const Digest manifest = engine::find_image(store, n);
        auto view = exporter::read_image(store.content(), manifest);
        json repo_digests = json::array();
        for (const auto& d : store.images().repo_digests(manifest)) repo_digests.push_back(d.str());
        out.push_back({{"Id", view.config.str()}, {"Digest", view.manifest.str()}, {"RepoDigests", repo_digests},
                       {"Manifest", view.manifest_json}, {"Config", view.config_json}});
      }
      if (!tmpl) {
        std::cout << out.dump(2) << "\n";
        return 0;
      }
      std::string text;  // every image's, before any is printed: a template that fails prints nothing
      for (const auto& image : out) text += tmpl->render(image) + "\n";
      std::cout << text << std::flush;
      return 0;
    };
  });
}

// The fields of a `history --format` row, by the column names a table format heads them with.
json history_row_headers() {
  return {{"ID", "IMAGE"},           {"CreatedSince", "CREATED"}, {"CreatedAt", "CREATED AT"},
          {"CreatedBy", "CREATED BY"}, {"Size", "SIZE"},          {"Comment", "COMMENT"}};
}

// A row's .ID: the image's id on the newest step, whose result is the image, and <missing> on
// the steps before, whose images the store does not keep, as docker shows a pulled image's.
int run_history(cache::Store& store, const std::string& image, const std::string& format_text) {
  const std::optional<ListFormat> format =
      format_text.empty() ? std::nullopt : std::optional<ListFormat>(std::in_place, format_text, history_row_headers());
  const auto view = exporter::read_image(store.content(), engine::find_image(store, image));
  const std::vector<engine::HistoryEntry> entries = engine::image_history(store, view);
  if (format && !format->is_default_table()) {
    std::vector<json> rows;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const engine::HistoryEntry& e = entries[i];
      std::string by = e.created_by;
      std::replace(by.begin(), by.end(), '\t', ' ');  // a tab would split a table's cell
      rows.push_back({{"ID", i == 0 ? view.config.short_hex() : "<missing>"}, {"CreatedSince", human_age(e.created)},
                      {"CreatedAt", rfc3339_local(e.created)}, {"CreatedBy", by}, {"Size", human_size(e.size)},
                      {"Comment", e.comment}});
    }
    std::cout << format->render(rows) << std::flush;
    return 0;
  }
  std::printf("%-22s %-60s %s\n", "CREATED", "CREATED BY", "SIZE");
  for (const engine::HistoryEntry& e : entries) {
    std::string by = e.created_by;
    if (by.size() > 60) by = by.substr(0, 57) + "...";
    std::printf("%-22s %-60s %s\n", human_age(e.created).c_str(), by.c_str(), human_size(e.size).c_str());
  }
  return 0;
}

void add_history(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto image = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(name, "Show the history of an image");
  cmd->add_option("IMAGE", *image, "Image")->required();
  cmd->add_option("--format", *format,
                  "'table', 'table TEMPLATE' (with a header row), 'json' or 'TEMPLATE': a Go template of a row's "
                  ".ID, .CreatedSince, .CreatedAt, .CreatedBy, .Size, .Comment");
  cmd->callback([&global, &action, image, format] {
    action = [&global, image, format] {
      cache::Store store(global.state_root());
      return run_history(store, *image, *format);
    };
  });
}

void add_save(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("docker");
  auto* cmd = parent.add_subcommand(name, "Write images to a tar archive");
  cmd->add_option("IMAGES", *names, "Images")->required();
  cmd->add_option("-o,--output", *out, "Archive to write (default: standard output)");
  cmd->add_option("--format", *format, "docker or oci")->check(CLI::IsMember({"docker", "oci"}));
  cmd->callback([&global, &action, names, out, format] {
    action = [&global, names, out, format] {
      cache::Store store(global.state_root());
      const exporter::OutputTarget target = out->empty() ? archive_to_stdout("save") : exporter::OutputTarget(*out);
      engine::save_images(store, *names, target, *format == "oci" ? engine::ArchiveFormat::Oci : engine::ArchiveFormat::Docker);
      return 0;
    };
  });
}

void add_load(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto input = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(name, "Load images from a docker-archive or oci-archive");
  cmd->add_option("-i,--input", *input, "Archive to read (default: standard input)");
  cmd->callback([&global, &action, input] {
    action = [&global, input] {
      cache::Store store(global.state_root());
      const TempDir scratch = store.scratch_dir();
      const fs::path archive = input->empty() ? spool_stdin(scratch.path(), "load") : fs::path(*input);
      for (const auto& image : engine::load_images(store, archive))
        std::cout << "Loaded image: " << (image.name.empty() ? image.manifest.str() : image.name) << "\n";
      return 0;
    };
  });
}

void add_prune(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand(name, "Remove untagged images (with -a, every image)");
  cmd->add_flag("-a,--all", *all, "Remove every image, named or not");
  cmd->add_flag("-f,--force", *force, "Do not ask for confirmation");
  cmd->callback([&global, &action, all, force] {
    action = [&global, all, force] {
      cache::Store store(global.state_root());
      return run_image_prune(store, *all, *force);
    };
  });
}

}  // namespace

void add_image_commands(CLI::App& app, GlobalOptions& global, Action& action) {
  const std::vector<std::pair<std::string, VerbAdder>> top_level{
      {"images", add_ls},       {"import", add_import},   {"tag", add_tag},   {"rmi", add_rm},
      {"inspect", add_inspect}, {"history", add_history}, {"save", add_save}, {"load", add_load}};
  for (const auto& [name, add] : top_level) add(app, name, global, action);

  auto* group = app.add_subcommand("image", "Manage images: ls, rm, inspect, history, tag, save, load, import, prune");
  group->require_subcommand(1);
  const std::vector<std::pair<std::string, VerbAdder>> grouped{
      {"ls", add_ls},       {"rm", add_rm},     {"inspect", add_inspect}, {"history", add_history},
      {"tag", add_tag},     {"save", add_save}, {"load", add_load},       {"import", add_import},
      {"prune", add_prune}};
  for (const auto& [name, add] : grouped) add(*group, name, global, action);
}

}  // namespace gantry::cli

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
#include "base/utf8.h"
#include "cache/store.h"
#include "cli/command.h"
#include "cli/format/go_template.h"
#include "cli/format/human_duration.h"
#include "cli/format/list_format.h"
#include "cli/standard_streams.h"
#include "engine/image_filter.h"
#include "engine/image_history.h"
#include "engine/image_inspect.h"
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

// docker's CREATED column: how long ago, in go-units' words.
std::string human_age(const std::string& created) {
  const auto time = created_time(created);
  if (!time) return "N/A";
  return human_duration(std::max<std::int64_t>(0, static_cast<std::int64_t>(std::time(nullptr)) - *time)) + " ago";
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
  bool no_trunc = false;
  std::vector<std::string> filters;
  std::string format;
  std::string reference;  // [REPOSITORY[:TAG]]
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

// An image id as docker shows it: 12 hex digits, or with --no-trunc the whole "sha256:...".
std::string shown_id(const Digest& id, bool no_trunc) { return no_trunc ? id.str() : id.short_hex(); }

// Named images by name, then untagged ones, as docker lists <none>:<none> images; with
// --digests, a row for each digest the registry of the row's repository knows the image by.
// The rows are laid out by docker's own table format unless --format gives another.
int run_images(cache::Store& store, const ImagesFlags& f) {
  std::vector<std::string> filters = f.filters;
  if (!f.reference.empty()) filters.push_back("reference=" + f.reference);  // as docker's CLI adds it
  const auto filter = engine::ImageFilter::parse(filters);
  const ListFormat format = ListFormat::for_verb(
      f.format,
      f.digests
          ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
          : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}",
      f.quiet, image_row_headers());
  std::vector<json> rows;
  for (const auto& image : engine::list_images(store, filter)) {
    const auto& view = image.view;
    if (f.quiet) {  // the ID alone: no size to sum
      rows.push_back({{"ID", shown_id(view.config, f.no_trunc)}});
      continue;
    }
    auto [repo, tag] = split_name(image.name);
    const std::string created = view.config_json.value("created", "");
    const std::vector<std::string> digests = digests_in(image.repo_digests, repo);
    const std::string size = human_size(engine::image_size(store, view));
    for (std::size_t i = 0; i < (f.digests ? digests.size() : 1); ++i)
      rows.push_back({{"ID", shown_id(view.config, f.no_trunc)}, {"Repository", repo}, {"Tag", tag},
                      {"Digest", digests[i]}, {"CreatedSince", human_age(created)},
                      {"CreatedAt", local_time(created, "%Y-%m-%d %H:%M:%S %z %Z")}, {"Size", size}});
  }
  std::cout << format.render(rows) << std::flush;
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
  auto report = engine::prune_images(store, {.all = all});
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
  cmd->add_option("REPOSITORY[:TAG]", f->reference, "Only images of this name (a pattern, as --filter reference=)");
  // Accepted and kept nowhere: gantry keeps no intermediate images, every image is listed anyway.
  cmd->add_flag_callback(
      "-a,--all", [] {},
      "Show all images: gantry keeps no intermediate images, so the list is the one without -a");
  cmd->add_flag("-q,--quiet", f->quiet, "Only show image IDs");
  cmd->add_flag("--digests", f->digests, "Show the digests registries know images by");
  cmd->add_flag("--no-trunc", f->no_trunc, "Show whole image IDs (sha256:...)");
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
  auto changes = std::make_shared<std::vector<std::string>>();
  auto message = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(name, "Create an image from a rootfs tarball ('-' reads it from standard input)");
  cmd->add_option("ARGS", *args, "ROOTFS.tar|- [NAME[:TAG]]")->required()->expected(1, 2);
  cmd->add_option("-c,--change", *changes,
                  "Set the image's config with a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, "
                  "LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR")
      ->allow_extra_args(false);
  cmd->add_option("-m,--message", *message, "The comment of the image's history entry");
  auto platform = std::make_shared<std::string>();
  cmd->add_option("--platform", *platform, "The platform the image says it runs on: os/arch[/variant] (default: the host's)");
  cmd->callback([&global, &action, args, changes, message, platform] {
    action = [&global, args, changes, message, platform] {
      const char* sde = std::getenv("SOURCE_DATE_EPOCH");
      engine::ImportRequest request{
          .tarball = (*args)[0],
          .name = args->size() > 1 ? std::optional((*args)[1]) : std::nullopt,
          .created = sde && *sde ? parse_epoch_seconds("SOURCE_DATE_EPOCH", sde)
                                 : static_cast<std::int64_t>(std::time(nullptr)),
          .changes = *changes,
          .message = *message,
          .platform = platform->empty() ? std::nullopt : std::optional(Platform::parse(*platform))};
      cache::Store store(global.state_root());
      const TempDir scratch = store.scratch_dir();
      if (request.tarball == "-") request.tarball = spool_stdin(scratch.path(), "import", "a FILE");
      const auto record = engine::import_image(store, request);
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

// Go's json.Marshal, which wrote docker's output, escapes these three for HTML; they can only
// stand in strings, so each may be replaced wherever it is.
std::string go_html_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

void add_inspect(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(name, "Show images as docker image inspect does (a JSON array)");
  cmd->add_option("IMAGES", *names, "Images")->required();
  cmd->add_option("-f,--format", *format,
                  "'json' (the default) or 'TEMPLATE': a Go template printed for each image, of docker's fields: "
                  ".Id, .RepoTags, .RepoDigests, .Created, .Config (.Config.Env, .Config.Cmd, .Config.Labels, ...), "
                  ".Architecture, .Os, .Size, .RootFS.Layers, .Metadata, .Descriptor");
  cmd->callback([&global, &action, names, format] {
    action = [&global, names, format] {
      const std::optional<GoTemplate> tmpl =
          format->empty() || *format == "json" ? std::nullopt : std::optional<GoTemplate>(*format);
      cache::Store store(global.state_root());
      // As docker: the images found are printed (an empty array when none is), then one line
      // for each name that is not an image, and the exit code is 1.
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      std::vector<std::string> missing;
      for (const auto& n : *names) {
        try {
          out.push_back(engine::inspect_image(store, n));
        } catch (const UsageError&) {
          throw;
        } catch (const Error& e) {
          missing.push_back(e.what());
        }
      }
      std::string text;  // every image's, before any is printed: a template that fails prints nothing
      if (!tmpl) text = go_html_escaped(out.dump(4, ' ', false, json::error_handler_t::replace)) + "\n";
      else
        for (const auto& image : out) text += tmpl->render(image, engine::inspect_zero_values()) + "\n";
      std::cout << text << std::flush;
      for (const std::string& message : missing) std::cerr << "gantry: " << message << "\n";
      return missing.empty() ? 0 : 1;
    };
  });
}

// The fields of a `history --format` row, by the column names a table format heads them with.
json history_row_headers() {
  return {{"ID", "IMAGE"},           {"CreatedSince", "CREATED"}, {"CreatedAt", "CREATED AT"},
          {"CreatedBy", "CREATED BY"}, {"Size", "SIZE"},          {"Comment", "COMMENT"}};
}

// docker's CREATED BY cell: tabs as spaces, and unless `no_trunc` cut to 45 characters, the
// last an ellipsis.
std::string created_by_cell(std::string by, bool no_trunc) {
  std::replace(by.begin(), by.end(), '\t', ' ');  // a tab would split a table's cell
  constexpr std::size_t kWidth = 45;
  if (no_trunc || utf8_columns(by) <= kWidth) return by;
  return by.substr(0, utf8_prefix_bytes(by, kWidth - 1)) + "\u2026";
}

struct HistoryFlags {
  std::string format;
  bool no_trunc = false;
  bool quiet = false;
  bool human = true;
};

// A row's .ID: the image's id on the newest step, whose result is the image, and <missing> on
// the steps before, whose images the store does not keep, as docker shows a pulled image's.
// Without -H, ages are RFC 3339 times and sizes are bytes, as docker prints them.
int run_history(cache::Store& store, const std::string& image, const HistoryFlags& f) {
  const ListFormat format = ListFormat::for_verb(
      f.format,
      f.human ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
              : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
      f.quiet, history_row_headers());
  const auto view = exporter::read_image(store.content(), engine::find_image(store, image));
  const std::vector<engine::HistoryEntry> entries = engine::image_history(store, view);
  std::vector<json> rows;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const engine::HistoryEntry& e = entries[i];
    const std::string created_at = rfc3339_local(e.created);
    rows.push_back({{"ID", i == 0 ? shown_id(view.config, f.no_trunc) : "<missing>"},
                    {"CreatedSince", f.human ? human_age(e.created) : created_at},
                    {"CreatedAt", created_at},
                    {"CreatedBy", created_by_cell(e.created_by, f.no_trunc)},
                    {"Size", f.human ? human_size(e.size) : std::to_string(e.size)},
                    {"Comment", e.comment}});
  }
  std::cout << format.render(rows) << std::flush;
  return 0;
}

void add_history(CLI::App& parent, const std::string& name, GlobalOptions& global, Action& action) {
  auto image = std::make_shared<std::string>();
  auto f = std::make_shared<HistoryFlags>();
  auto* cmd = parent.add_subcommand(name, "Show the history of an image");
  cmd->add_option("IMAGE", *image, "Image")->required();
  cmd->add_option("--format", f->format,
                  "'table', 'table TEMPLATE' (with a header row), 'json' or 'TEMPLATE': a Go template of a row's "
                  ".ID, .CreatedSince, .CreatedAt, .CreatedBy, .Size, .Comment");
  cmd->add_flag("--no-trunc", f->no_trunc, "Show whole image IDs and CREATED BY commands");
  cmd->add_flag("-q,--quiet", f->quiet, "Only show image IDs");
  // An option, not a flag, so that docker's spelling -H=false parses ("=false" is its value).
  cmd->add_option_function<std::string>(
         "-H,--human",
         [f](const std::string& value) {
           const std::string v = value.starts_with("=") ? value.substr(1) : value;
           if (v.empty() || v == "true" || v == "1") f->human = true;
           else if (v == "false" || v == "0") f->human = false;
           else throw UsageError("history -H: `" + v + "` is not true or false");
         },
         "Sizes and dates in human-readable form (the default); -H=false prints bytes and RFC 3339 times")
      ->expected(0, 1)
      ->type_name("true|false");
  cmd->callback([&global, &action, image, f] {
    action = [&global, image, f] {
      cache::Store store(global.state_root());
      return run_history(store, *image, *f);
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
      const fs::path archive = input->empty() ? spool_stdin(scratch.path(), "load", "-i FILE") : fs::path(*input);
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

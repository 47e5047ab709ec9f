// The local image store's endpoints: GET /images/json, GET /images/{name}/json and /history,
// POST /images/{name}/tag, DELETE /images/{name}, POST /images/prune, in the shapes of API 1.41.
// What changes the store is published as dockerd's image events: tag, untag, delete.
#include <chrono>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "base/error.h"
#include "base/image_ref.h"
#include "cache/store.h"
#include "daemon/api_error.h"
#include "daemon/api_router.h"
#include "daemon/image_prune_params.h"
#include "daemon/image_summaries.h"
#include "daemon/route_params.h"
#include "engine/image_filter.h"
#include "engine/image_history.h"
#include "engine/image_inspect.h"
#include "engine/image_prune.h"
#include "engine/local_images.h"
#include "engine/store_images.h"
#include "exporter/image.h"

namespace gantry::daemon {

using nlohmann::json;

namespace {

// Unix seconds of a config's RFC 3339 `created` (UTC, as images have it); 0 when unreadable.
std::int64_t unix_seconds(const std::string& created) {
  std::tm tm{};
  if (created.size() < 19 || !strptime(created.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return timegm(&tm);
}

// dockerd's filters parameter: {"key": {"value": true}}, or the older {"key": ["value"]}, as
// the engine's "key=value" filters.
std::vector<std::string> image_filters(const std::string& text) {
  json filters;
  try {
    filters = json::parse(text);
  } catch (const json::exception&) {
    throw UsageError("filters `" + text + "`: not JSON");
  }
  std::vector<std::string> out;
  if (filters.is_null()) return out;
  if (!filters.is_object()) throw UsageError("filters `" + text + "`: not a JSON object");
  for (const auto& [key, values] : filters.items()) {
    if (key != "reference" && key != "dangling" && key != "label")
      throw UsageError("filters: `" + key +
                       "` is not one gantry supports (reference, dangling, label)");
    if (values.is_object()) {
      for (const auto& [value, on] : values.items())
        if (on == true) out.push_back(key + "=" + value);
    } else if (values.is_array()) {
      for (const auto& value : values)
        if (value.is_string()) out.push_back(key + "=" + value.get<std::string>());
    } else {
      throw UsageError("filters: the values of `" + key + "` are not an object or an array");
    }
  }
  return out;
}

}  // namespace

LayerSizes measure_layers(cache::Store& store, const std::vector<engine::ListedImage>& listed) {
  LayerSizes sizes;
  for (const auto& image : listed)
    if (!sizes.contains(image.view.config))
      sizes.emplace(image.view.config, engine::layer_content_sizes(store, image.view));
  return sizes;
}

json image_summaries(const std::vector<engine::ListedImage>& listed, const LayerSizes& sizes) {
  // One entry per image (config), with every name it has, as docker lists them.
  std::vector<json> images;
  std::map<Digest, std::size_t> by_config;
  for (const auto& image : listed) {
    const auto& view = image.view;
    auto [it, added] = by_config.try_emplace(view.config, images.size());
    if (added) {
      const auto& layers = sizes.at(view.config);
      const std::int64_t size = std::accumulate(layers.begin(), layers.end(), std::int64_t{0});
      json digests = json::array();
      for (const auto& d : image.repo_digests) digests.push_back(d.str());
      images.push_back({{"Id", view.config.str()},
                        {"ParentId", ""},
                        {"RepoTags", json::array()},
                        {"RepoDigests", digests},
                        {"Created", unix_seconds(view.config_json.value("created", ""))},
                        {"Size", size},
                        {"SharedSize", -1},
                        {"VirtualSize", size},
                        {"Labels", config_labels(view.config_json)},
                        {"Containers", -1}});
    }
    json& entry = images[it->second];
    if (!image.name.empty()) entry["RepoTags"].push_back(image.name);
  }
  json body = json::array();
  for (auto& image : images) {
    // API 1.41 names an untagged image <none>:<none>, as dockerd did then.
    if (image["RepoTags"].empty()) image["RepoTags"].push_back("<none>:<none>");
    if (image["RepoDigests"].empty() && image["RepoTags"][0] == "<none>:<none>")
      image["RepoDigests"].push_back("<none>@<none>");
    body.push_back(std::move(image));
  }
  return body;
}

HttpResponse list_images(const DaemonOptions& options, const HttpRequest& request) {
  // all: gantry keeps no intermediate images to show; digests: RepoDigests are always given.
  check_params(request, "GET /images/json", {"filters", "all", "digests"});
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  const auto filter =
      engine::ImageFilter::parse(image_filters(request.param("filters").value_or("null")));
  const auto listed = engine::list_images(store, filter);
  return {.body = image_summaries(listed, measure_layers(store, listed)).dump()};
}

// docker's ImageInspect, as `gantry inspect` prints it (engine/image_inspect.h).
HttpResponse inspect_image(const DaemonOptions& options, const HttpRequest& request,
                           const std::string& name) {
  check_params(request, "GET /images/{name}/json", {});
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  return {.body = on_image(name, [&] { return engine::inspect_image(store, name); }).dump()};
}

HttpResponse image_history(const DaemonOptions& options, const HttpRequest& request,
                           const std::string& name) {
  check_params(request, "GET /images/{name}/history", {});
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  const Digest manifest = on_image(name, [&] { return engine::find_image(store, name); });
  const auto view = exporter::read_image(store.content(), manifest);
  json tags = json::array();
  for (const auto& entry : store.images().names_of(manifest)) tags.push_back(entry.name);
  json body = json::array();
  bool newest = true;
  for (const auto& entry : engine::image_history(store, view)) {
    // Only the newest step's image is kept: the steps before it are <missing>, as docker shows
    // a pulled image's.
    body.push_back({{"Id", newest ? view.config.str() : "<missing>"},
                    {"Created", unix_seconds(entry.created)},
                    {"CreatedBy", entry.created_by},
                    {"Tags", newest ? tags : json(nullptr)},
                    {"Size", entry.size},
                    {"Comment", entry.comment}});
    newest = false;
  }
  return {.body = body.dump()};
}

HttpResponse tag_image(const DaemonOptions& options, ImageEvents& events,
                       const HttpRequest& request, const std::string& name) {
  check_params(request, "POST /images/{name}/tag", {"repo", "tag"});
  const std::string repo = request.param("repo").value_or("");
  const std::string tag = request.param("tag").value_or("");
  if (repo.empty()) throw UsageError("tag `" + name + "`: the repo parameter is missing");
  const std::string target = tag.empty() ? repo : repo + ":" + tag;
  ImageRef::parse(target);  // a malformed name is a 400
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  on_image(name, [&] {
    engine::tag_image(store, name, target);
    return 0;
  });
  const auto view = exporter::read_image(store.content(), engine::find_image(store, target));
  events.publish("tag", view.config.str(), ImageRef::parse(target).familiar(),
                 config_labels(view.config_json));
  return {.status = 201, .content_type = "text/plain", .body = ""};
}

HttpResponse remove_image(const DaemonOptions& options, ImageEvents& events,
                          const HttpRequest& request, const std::string& name) {
  // noprune asks to keep untagged parent images; gantry's images have none.
  check_params(request, "DELETE /images/{name}", {"force", "noprune"});
  const bool force = bool_param(request.param("force").value_or(""));
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  // The image's id, for the events, before it may be gone.
  const std::string id =
      exporter::read_image(store.content(),
                           on_image(name, [&] { return engine::find_image(store, name); }))
          .config.str();
  const engine::RemovedImage removed =
      on_image(name, [&] { return engine::remove_image(store, name, force); });
  json body = json::array();
  for (const auto& t : removed.untagged) {
    body.push_back({{"Untagged", t}});
    events.publish("untag", id, id);  // dockerd names the image by its id here
  }
  if (removed.deleted) {
    body.push_back({{"Deleted", removed.deleted->str()}});
    events.publish("delete", id, id);
  }
  return {.body = body.dump()};
}

HttpResponse prune_images(const DaemonOptions& options, ImageEvents& events,
                          const HttpRequest& request) {
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const engine::ImagePruneRequest prune = parse_image_prune_params(request, now);
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  // The id of each name, for the untag events: the report names what went, not whose it was.
  std::map<std::string, std::string> id_of;
  if (prune.all)
    for (const auto& entry : store.images().list())
      id_of[entry.name] = exporter::read_image(store.content(), entry.manifest).config.str();
  const engine::ImagePruneReport report = engine::prune_images(store, prune);
  json deleted = json::array();
  for (const auto& name : report.untagged) {
    deleted.push_back({{"Untagged", name}});
    if (const auto it = id_of.find(name); it != id_of.end())
      events.publish("untag", it->second, it->second);
  }
  for (const auto& id : report.deleted) {
    deleted.push_back({{"Deleted", id}});
    events.publish("delete", id, id);
  }
  // dockerd answers null, not [], when nothing was deleted.
  return {.body = json{{"ImagesDeleted", deleted.empty() ? json(nullptr) : deleted},
                       {"SpaceReclaimed", report.reclaimed_bytes}}
                      .dump()};
}

}  // namespace gantry::daemon

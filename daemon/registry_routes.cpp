// The endpoints that reach registries, each calling the engine as `gantry login`, `pull`,
// `push` and `import` do, with the credentials the client sent (registry_auth.h):
//   POST /auth                  a login attempt; dockerd's answer, or its 401
//   POST /images/create         a pull (or an import of the body); dockerd's progress messages
//   POST /images/{name}/push    a push; dockerd's messages, the last one the aux Tag/Digest/Size
// A pull or push streams its messages while it runs (progress_messages.h): each layer's as the
// registry transfer tells of it, its bytes as they arrive. What is wrong with the request (its
// parameters, an image the store lacks) is an HTTP status with docker's JSON message; a failure
// once the transfer has begun is the stream's last message, an errorDetail, as dockerd sends it.
#include <spdlog/spdlog.h>

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_util.h"
#include "cache/store.h"
#include "daemon/api_error.h"
#include "daemon/api_router.h"
#include "daemon/progress_messages.h"
#include "daemon/registry_auth.h"
#include "daemon/registry_params.h"
#include "daemon/request_body.h"
#include "daemon/route_params.h"
#include "engine/local_images.h"
#include "engine/registry_images.h"
#include "exporter/image.h"
#include "registry/registry_client.h"

namespace gantry::daemon {

using nlohmann::json;

namespace {

// The largest root filesystem tarball an import takes, as for an image archive.
constexpr std::uint64_t kMaxImportBytes = std::uint64_t{64} << 30;

// The largest AuthConfig POST /auth reads (one sent chunked has no Content-Length to check).
constexpr std::size_t kMaxAuthBytes = 1 << 20;

// The engine's messages about a pull or push: its warnings (a mirror passed over) go to the
// client as status lines; its summary ("pulled NAME (...)") is what the layer lines say already.
class RegistryMessages : public engine::Messages {
 public:
  explicit RegistryMessages(ProgressMessages& out) : out_(out) {}
  void info(const std::string&) override {}
  void warning(const std::string& line) override { out_.status("WARNING: " + line); }

 private:
  ProgressMessages& out_;
};

// The request's credentials (X-Registry-Auth) for `host`, kept in `scratch` for the engine.
engine::RegistryAccess registry_access(const DaemonOptions& options, const HttpRequest& request,
                                       const TempDir& scratch, const std::string& host) {
  ClientAuth auth;
  if (auto header = request.header("x-registry-auth"); header && !header->empty())
    auth = parse_registry_auth_header(*header);
  return {options.registry, credentials_for(scratch.path(), host, auth)};
}

// What a pull or a push needs once its response streams: the store, and the client's
// credentials kept in the scratch directory for the engine.
struct Transfer {
  cache::Store store;
  TempDir scratch;
  engine::RegistryAccess access;

  Transfer(const DaemonOptions& options, const HttpRequest& request, const std::string& host)
      : store(options.root, cache::Store::Recovery::Skip),
        scratch(store.scratch_dir()),
        access(registry_access(options, request, scratch, host)) {}
};

void run_pull(Transfer& t, ImageEvents& events, const PullParams& params, ResponseStream& stream) {
  ProgressMessages out(stream);
  try {
    const ImageRef& image = params.image;
    const std::optional<Digest> before =
        image.digest ? std::nullopt : t.store.images().find(image.familiar());
    out.status("Pulling from " + image.path, image.digest ? image.digest->str() : image.tag);
    RegistryMessages messages(out);
    LayerProgressMessages layers(out, kPullWords);
    const registry::PullReport report =
        engine::pull_image(t.store, image, t.access, params.platform, messages, &layers);
    out.status("Digest: " + report.registry_digest.str());
    const bool newer = image.digest ? report.blobs_downloaded > 0 : before != report.manifest;
    out.status(
        (newer ? "Status: Downloaded newer image for " : "Status: Image is up to date for ") +
        image.familiar());
    const auto view = exporter::read_image(t.store.content(), report.manifest);
    ImageRef name = image;
    name.tag.clear();
    name.digest.reset();
    events.publish("pull", image.familiar(), name.familiar(), config_labels(view.config_json));
  } catch (const std::exception& e) {
    spdlog::info("pull: failed: {}", e.what());
    out.error(e.what());
  }
}

HttpResponse pull(const DaemonOptions& options, ImageEvents& events, const HttpRequest& request,
                  const PullParams& params) {
  auto transfer = std::make_shared<Transfer>(options, request, params.image.registry);
  return {.stream = [transfer, &events, params](ResponseStream& stream) {
    run_pull(*transfer, events, params, stream);
  }};
}

HttpResponse import(const DaemonOptions& options, ImageEvents& events, HttpRequest& request,
                    const ImportParams& params) {
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  const TempDir scratch = store.scratch_dir();
  const auto tarball = scratch.path() / "rootfs.tar";
  spool_body(request, tarball, "root filesystem tarball", kMaxImportBytes,
             "a root filesystem tarball (fromSrc=-)");
  exporter::ImageRecord record;
  try {
    record = engine::import_image(store, {.tarball = tarball,
                                          .name = params.name,
                                          .created = static_cast<std::int64_t>(std::time(nullptr)),
                                          .changes = params.changes,
                                          .message = params.message,
                                          .platform = params.platform});
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    // A body that is no tarball is the client's to fix.
    throw UsageError(std::string("root filesystem tarball (the request body): ") + e.what());
  }
  const auto view = exporter::read_image(store.content(), record.manifest);
  events.publish("import", record.config.str(), record.config.str(),
                 config_labels(view.config_json));
  return {.body = progress_message({{"status", record.config.str()}})};
}

// Pushes `image` (a name of the local store), its layers' messages (named by their blobs as
// pushed, compressed) sent as the push goes.
void push_one(cache::Store& store, const engine::RegistryAccess& access, ImageEvents& events,
              const ImageRef& image, ProgressMessages& out) {
  const std::string name = image.familiar();
  const Digest local = on_image(name, [&] { return engine::find_image(store, name); });
  RegistryMessages messages(out);
  LayerProgressMessages layers(out, kPushWords);
  const auto report = engine::push_image(store, name, "", access, {}, messages, &layers);
  const std::int64_t size = store.content().size(report.manifest);
  const std::string reference = image.digest ? image.digest->str() : image.tag;
  out.status(reference + ": digest: " + report.manifest.str() + " size: " + std::to_string(size));
  out.aux({{"Tag", image.tag}, {"Digest", report.manifest.str()}, {"Size", size}});
  const auto view = exporter::read_image(store.content(), local);
  ImageRef repository = image;
  repository.tag.clear();
  repository.digest.reset();
  events.publish("push", name, repository.familiar(), config_labels(view.config_json));
}

}  // namespace

HttpResponse login(const DaemonOptions& options, HttpRequest& request) {
  check_params(request, "POST /auth", {});
  std::string text;
  const bool read = request.read_body([&text](const char* data, std::size_t size) {
    text.append(data, size);
    return text.size() <= kMaxAuthBytes;
  });
  if (text.size() > kMaxAuthBytes)
    throw ApiError(413,
                   "POST /auth: a body of more than " + std::to_string(kMaxAuthBytes) + " bytes");
  if (!read) throw UsageError("POST /auth: the client broke off its body");
  json config;
  try {
    config = json::parse(text);
  } catch (const json::exception&) {
    throw UsageError("POST /auth: the body is not JSON");
  }
  ClientAuth auth = parse_auth_config(config, "POST /auth");
  if (!auth.credentials) throw UsageError("POST /auth: no username, password or identitytoken");
  // docker's clients name Docker Hub by its v1 index URL (or nothing), another registry by
  // host[:port].
  std::string server = auth.server.empty() ? "docker.io" : registry::host_of_server(auth.server);
  if (server == "index.docker.io") server = "docker.io";
  registry::RegistryClient client(server, options.registry, auth.credentials);
  try {
    client.check_login();
  } catch (const registry::LoginRefused& e) {
    throw ApiError(401, "login attempt to " + e.url() + " failed with status: 401 Unauthorized");
  }
  return {.body = json{{"Status", "Login Succeeded"}, {"IdentityToken", ""}}.dump()};
}

HttpResponse create_image(const DaemonOptions& options, ImageEvents& events, HttpRequest& request) {
  const auto params = parse_image_create_params(request);
  if (const auto* p = std::get_if<PullParams>(&params)) return pull(options, events, request, *p);
  return import(options, events, request, std::get<ImportParams>(params));
}

HttpResponse push_image(const DaemonOptions& options, ImageEvents& events, HttpRequest& request,
                        const std::string& name) {
  check_params(request, "POST /images/{name}/push", {"tag"});
  const std::optional<ImageRef> one = push_reference(name, request.param("tag").value_or(""));
  ImageRef repository = one ? *one : ImageRef::parse(name);
  auto transfer = std::make_shared<Transfer>(options, request, repository.registry);
  cache::Store& store = transfer->store;
  std::vector<ImageRef> images;
  if (one) {
    images.push_back(*one);
  } else {
    // Every tag of the repository, as dockerd pushes a name given without one.
    repository.tag.clear();
    for (const auto& entry : store.images().list()) {
      ImageRef named = ImageRef::parse(entry.name);
      if (named.registry == repository.registry && named.path == repository.path &&
          !named.tag.empty())
        images.push_back(named);
    }
    if (images.empty())
      throw ApiError(404, "An image does not exist locally with the tag: " + repository.familiar());
  }
  for (const auto& image : images)
    if (!store.images().find(image.familiar()))
      throw ApiError(404, "An image does not exist locally with the tag: " + image.familiar());
  repository.tag.clear();
  repository.digest.reset();
  return {.stream = [transfer, &events, repository, images](ResponseStream& stream) {
    ProgressMessages out(stream);
    try {
      out.status("The push refers to repository [" + repository.repository() + "]");
      for (const auto& image : images)
        push_one(transfer->store, transfer->access, events, image, out);
    } catch (const std::exception& e) {
      spdlog::info("push: failed: {}", e.what());
      out.error(e.what());
    }
  }};
}

}  // namespace gantry::daemon

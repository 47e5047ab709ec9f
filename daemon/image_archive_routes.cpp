// The image archive endpoints: GET /images/get?names=... and GET /images/{name}/get stream a
// docker-archive of the images as `gantry save` writes it (engine::save_images); the archive is
// written into a pipe on a thread of its own and sent on as it comes, never held whole.
// POST /images/load spools the archive it is sent (docker or OCI) to the store's scratch space,
// since a loader reads it more than once, and loads it as `gantry load` does.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"
#include "base/unique_fd.h"
#include "cache/store.h"
#include "daemon/api_router.h"
#include "daemon/request_body.h"
#include "daemon/route_params.h"
#include "engine/local_images.h"
#include "exporter/image.h"

namespace gantry::daemon {

namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;

// The largest archive POST /images/load takes (docker sets none; it bounds what a client can
// make the daemon write to its disk).
constexpr std::uint64_t kMaxArchiveBytes = std::uint64_t{64} << 30;

// What a save needs once its response starts streaming.
struct PendingSave {
  PendingSave(const DaemonOptions& options, ImageEvents& events)
      : store(options.root, cache::Store::Recovery::Skip), events(events) {}
  cache::Store store;
  ImageEvents& events;
  std::vector<std::string> names;
  std::vector<std::string> ids;  // of the images saved, for the events
  std::string what;              // the names, for the log
};

// Writes the archive into a pipe on a thread while the response sends what comes out of it.
// A save that fails once bytes went out can only end the body early: the client sees a
// truncated archive and the daemon's log says why.
void stream_archive(PendingSave& save, ResponseStream& out) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    spdlog::error("save {}: pipe: {}", save.what, std::strerror(errno));
    return;
  }
  UniqueFd read_end(fds[0]);
  auto write_end = std::make_shared<UniqueFd>(fds[1]);
  std::thread writer([&save, write_end] {
    try {
      engine::save_images(save.store, save.names,
                          exporter::OutputTarget::stream(write_end->get(), "the response"),
                          engine::ArchiveFormat::Docker);
      for (const auto& id : save.ids) save.events.publish("save", id, id);
    } catch (const std::exception& e) {
      spdlog::error("save {}: {}", save.what, e.what());
    }
    write_end->reset();  // the reader sees the end of the archive
  });
  std::vector<char> buffer(kChunkBytes);
  for (;;) {
    const ssize_t n = ::read(read_end.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    // A client gone: closing the pipe makes the writer's next write fail (EPIPE) and stop.
    if (!out.write(std::string_view(buffer.data(), static_cast<std::size_t>(n)))) break;
  }
  read_end.reset();
  writer.join();
}

// A docker-archive of the images `names` name, streamed.
HttpResponse archive_of(const DaemonOptions& options, ImageEvents& events,
                        std::vector<std::string> names) {
  auto save = std::make_shared<PendingSave>(options, events);
  // Every name is looked up before the body starts, so that a missing one is docker's 404.
  for (const auto& name : names) {
    const Digest manifest = on_image(name, [&] { return engine::find_image(save->store, name); });
    save->ids.push_back(exporter::read_image(save->store.content(), manifest).config.str());
  }
  for (const auto& name : names) save->what += (save->what.empty() ? "`" : ", `") + name + "`";
  save->names = std::move(names);
  return {.content_type = "application/x-tar",
          .stream = [save](ResponseStream& out) { stream_archive(*save, out); }};
}

}  // namespace

HttpResponse save_images(const DaemonOptions& options, ImageEvents& events,
                         const HttpRequest& request) {
  check_params(request, "GET /images/get", {"names"});
  std::vector<std::string> names = request.params("names");
  if (names.empty()) throw UsageError("GET /images/get: no image named (the names parameter)");
  return archive_of(options, events, std::move(names));
}

HttpResponse save_image(const DaemonOptions& options, ImageEvents& events,
                        const HttpRequest& request, const std::string& name) {
  check_params(request, "GET /images/{name}/get", {});
  return archive_of(options, events, {name});
}

HttpResponse load_images(const DaemonOptions& options, ImageEvents& events, HttpRequest& request) {
  // quiet asks for no progress bars; gantry sends none either way, only what was loaded.
  check_params(request, "POST /images/load", {"quiet"});
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  const TempDir scratch = store.scratch_dir();
  const auto archive = scratch.path() / "archive.tar";
  spool_body(request, archive, "image archive", kMaxArchiveBytes,
             "a docker-archive or oci-archive tar");
  std::vector<engine::LoadedImage> loaded;
  try {
    loaded = engine::load_images(store, archive);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    // An archive the loader cannot read is the client's to fix.
    throw UsageError(std::string("image archive (the request body): ") + e.what());
  }
  // docker's JSON messages, one a line, as docker load prints them.
  std::string body;
  for (const auto& image : loaded) {
    const auto view = exporter::read_image(store.content(), image.manifest);
    events.publish("load", view.config.str(), view.config.str(), config_labels(view.config_json));
    const std::string line = image.name.empty() ? "Loaded image ID: " + view.config.str()
                                                : "Loaded image: " + image.name;
    body += nlohmann::json{{"stream", line + "\n"}}.dump() + "\r\n";
  }
  return {.body = body};
}

}  // namespace gantry::daemon

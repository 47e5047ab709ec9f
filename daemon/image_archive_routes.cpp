// The image archive endpoints: GET /images/get?names=... and GET /images/{name}/get stream a
// docker-archive of the images as `gantry save` writes it (engine::save_images); the archive is
// written into a pipe on a thread of its own and sent on as it comes, never held whole.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <memory>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "cache/store.h"
#include "daemon/api_router.h"
#include "daemon/route_params.h"
#include "engine/local_images.h"

namespace gantry::daemon {

namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;

// What a save needs once its response starts streaming.
struct PendingSave {
  explicit PendingSave(const DaemonOptions& options) : store(options.root) {}
  cache::Store store;
  std::vector<std::string> names;
  std::string what;  // the names, for the log
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

}  // namespace

HttpResponse save_images(const DaemonOptions& options, const HttpRequest& request,
                         std::vector<std::string> names) {
  check_params(request, "GET /images/get", {"names"});
  if (names.empty()) throw UsageError("GET /images/get: no image named (the names parameter)");
  auto save = std::make_shared<PendingSave>(options);
  // Every name is looked up before the body starts, so that a missing one is docker's 404.
  for (const auto& name : names) on_image(name, [&] { return engine::find_image(save->store, name); });
  for (const auto& name : names) save->what += (save->what.empty() ? "`" : ", `") + name + "`";
  save->names = std::move(names);
  return {.content_type = "application/x-tar",
          .stream = [save](ResponseStream& out) { stream_archive(*save, out); }};
}

}  // namespace gantry::daemon

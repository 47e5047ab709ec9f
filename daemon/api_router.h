// Routes a Docker Engine API request to what serves it, and turns what that throws into
// docker's JSON error bodies: ApiError its status, UsageError 400, any other Error 500.
// Every response says the daemon's API version and OS (API-Version, Server headers).
//
//   GET|HEAD /_ping, GET /version, GET /info                      system_routes.cpp
//   GET /images/json, GET /images/{name}/json|history,
//   POST /images/{name}/tag, DELETE /images/{name}                 image_routes.cpp
//   GET /images/get, GET /images/{name}/get, POST /images/load     image_archive_routes.cpp
//   POST /build                                                    build_route.cpp
//   GET /system/df, POST /build/prune                              disk_usage_routes.cpp
//   POST /images/prune                                             image_routes.cpp
//   POST /auth, POST /images/create, POST /images/{name}/push       registry_routes.cpp
//   GET /events                                                    events_route.cpp
// The routes that change the store publish what they did as image events (image_events.h).
// GET /networks/{id} and /volumes/{name} are 404: gantry has none. Anything else, containers'
// endpoints first, is 501: gantry is a build engine.
#pragma once

#include "daemon/daemon.h"
#include "daemon/http_server.h"
#include "daemon/image_events.h"
#include "daemon/running_builds.h"

namespace gantry::daemon {

class ApiRouter {
 public:
  ApiRouter(const DaemonOptions& options, RunningBuilds& builds, ImageEvents& events)
      : options_(options), builds_(builds), events_(events) {}
  HttpResponse handle(HttpRequest& request);

 private:
  HttpResponse route(HttpRequest& request, const std::string& path);
  const DaemonOptions& options_;
  RunningBuilds& builds_;
  ImageEvents& events_;
};

// The routes, each in its own file.
HttpResponse ping(const HttpRequest& request);
HttpResponse version(const DaemonOptions& options);
HttpResponse info(const DaemonOptions& options);
HttpResponse list_images(const DaemonOptions& options, const HttpRequest& request);
HttpResponse inspect_image(const DaemonOptions& options, const HttpRequest& request,
                           const std::string& name);
HttpResponse image_history(const DaemonOptions& options, const HttpRequest& request,
                           const std::string& name);
HttpResponse tag_image(const DaemonOptions& options, ImageEvents& events,
                       const HttpRequest& request, const std::string& name);
HttpResponse remove_image(const DaemonOptions& options, ImageEvents& events,
                          const HttpRequest& request, const std::string& name);
HttpResponse prune_images(const DaemonOptions& options, ImageEvents& events,
                          const HttpRequest& request);
HttpResponse save_images(const DaemonOptions& options, ImageEvents& events,
                         const HttpRequest& request);
HttpResponse save_image(const DaemonOptions& options, ImageEvents& events,
                        const HttpRequest& request, const std::string& name);
HttpResponse load_images(const DaemonOptions& options, ImageEvents& events, HttpRequest& request);
HttpResponse system_df(const DaemonOptions& options, const HttpRequest& request);
HttpResponse prune_build_cache(const DaemonOptions& options, const HttpRequest& request);
HttpResponse build(const DaemonOptions& options, RunningBuilds& builds, ImageEvents& events,
                   HttpRequest& request);
HttpResponse login(const DaemonOptions& options, HttpRequest& request);
HttpResponse create_image(const DaemonOptions& options, ImageEvents& events, HttpRequest& request);
HttpResponse push_image(const DaemonOptions& options, ImageEvents& events, HttpRequest& request,
                        const std::string& name);
HttpResponse events(ImageEvents& events, const HttpRequest& request);

// A JSON response: {"message": text} with `status`.
HttpResponse json_error(int status, const std::string& message);

}  // namespace gantry::daemon

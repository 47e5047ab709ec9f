// make_http_server: the HTTP server module, loaded when the daemon starts (see http_server.h).
#include <dlfcn.h>

#include <filesystem>

#include "base/error.h"
#include "daemon/http_server.h"

namespace gantry::daemon {

namespace fs = std::filesystem;

std::unique_ptr<HttpServer> make_http_server(HttpHandler handler) {
  const fs::path module = fs::read_symlink("/proc/self/exe").parent_path() / "gantry-http.so";
  // Never closed: the server's code must stay mapped as long as any of its objects lives, and
  // the process loads it once.
  void* handle = ::dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw Error("load the HTTP server module `" + module.string() + "`: " + ::dlerror());
  auto make = reinterpret_cast<MakeHttpServer>(::dlsym(handle, "gantry_make_http_server"));
  if (!make) throw Error("`" + module.string() + "`: no gantry_make_http_server in it");
  return std::unique_ptr<HttpServer>(make(&handler));
}

}  // namespace gantry::daemon

// libcurl, loaded the first time it is used instead of when gantry starts.
//
// libcurl brings about thirty shared libraries along (TLS, Kerberos, LDAP, SSH, IDN, ...), and
// mapping and relocating them costs 14 ms and 440 page faults on every start of gantry, a third
// of a fully cached rebuild, although most builds never touch the network. gantry links this
// file instead of libcurl: it defines the libcurl functions gantry calls, each forwarding to
// the real one, which is looked up in libcurl.so (dlopen) on the first call. The headers, types
// and constants are libcurl's own.
//
// A libcurl that cannot be loaded makes curl_global_init fail and curl_easy_init return null,
// which every caller already reports as "cannot initialise libcurl"; the reason is logged.
// The real functions are called, not curl.h's type-checking macros of the same names.
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <mutex>

namespace {

struct Libcurl {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_easy_escape) easy_escape = nullptr;
  decltype(&curl_free) free = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
  bool loaded = false;
};

template <typename Function>
bool resolve(void* library, const char* name, Function& function) {
  function = reinterpret_cast<Function>(::dlsym(library, name));
  if (!function) spdlog::error("{}: no {} in it", GANTRY_LIBCURL_SONAME, name);
  return function != nullptr;
}

Libcurl load() {
  Libcurl curl;
  void* library = ::dlopen(GANTRY_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    spdlog::error("cannot load libcurl: {}", ::dlerror());
    return curl;
  }
  // Never unloaded: libcurl keeps global state until the process ends.
  curl.loaded = resolve(library, "curl_global_init", curl.global_init) &&
                resolve(library, "curl_easy_init", curl.easy_init) &&
                resolve(library, "curl_easy_setopt", curl.easy_setopt) &&
                resolve(library, "curl_easy_perform", curl.easy_perform) &&
                resolve(library, "curl_easy_getinfo", curl.easy_getinfo) &&
                resolve(library, "curl_easy_cleanup", curl.easy_cleanup) &&
                resolve(library, "curl_easy_strerror", curl.easy_strerror) &&
                resolve(library, "curl_easy_escape", curl.easy_escape) &&
                resolve(library, "curl_free", curl.free) &&
                resolve(library, "curl_slist_append", curl.slist_append) &&
                resolve(library, "curl_slist_free_all", curl.slist_free_all);
  return curl;
}

const Libcurl& libcurl() {
  static const Libcurl curl = load();
  return curl;
}

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) {
  return libcurl().loaded ? libcurl().global_init(flags) : CURLE_FAILED_INIT;
}

CURL* curl_easy_init() { return libcurl().loaded ? libcurl().easy_init() : nullptr; }

// The functions below take a handle or a list that only the loaded libcurl can have made.

// curl.h fixes these signatures: the last named parameter before `...` is an enum (CURLoption,
// CURLINFO), which clang's -Wvarargs flags because an enum is promoted to int when passed. Every
// ABI gantry builds for passes it as that int, and libcurl's own definitions do the same.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wvarargs"
#endif

// The variadic argument is passed on with the type libcurl reads for the option, which the
// option's number range tells (curl.h: CURLOPTTYPE_*), as libcurl itself decides it.
CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
  va_list args;
  va_start(args, option);
  CURLcode result;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    result = libcurl().easy_setopt(handle, option, va_arg(args, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    result = libcurl().easy_setopt(handle, option, va_arg(args, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    result = libcurl().easy_setopt(handle, option, va_arg(args, void (*)()));
  } else if (option < CURLOPTTYPE_BLOB) {
    result = libcurl().easy_setopt(handle, option, va_arg(args, curl_off_t));
  } else {
    result = libcurl().easy_setopt(handle, option, va_arg(args, void*));
  }
  va_end(args);
  return result;
}

// Every CURLINFO takes a pointer to where the answer goes.
CURLcode curl_easy_getinfo(CURL* handle, CURLINFO info, ...) {
  va_list args;
  va_start(args, info);
  void* out = va_arg(args, void*);
  va_end(args);
  return libcurl().easy_getinfo(handle, info, out);
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif

CURLcode curl_easy_perform(CURL* handle) { return libcurl().easy_perform(handle); }

void curl_easy_cleanup(CURL* handle) { libcurl().easy_cleanup(handle); }

const char* curl_easy_strerror(CURLcode code) {
  return libcurl().loaded ? libcurl().easy_strerror(code) : "libcurl could not be loaded";
}

char* curl_easy_escape(CURL* handle, const char* text, int length) {
  return libcurl().easy_escape(handle, text, length);
}

void curl_free(void* pointer) { libcurl().free(pointer); }

curl_slist* curl_slist_append(curl_slist* list, const char* line) {
  return libcurl().loaded ? libcurl().slist_append(list, line) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
  if (list) libcurl().slist_free_all(list);
}

}  // extern "C"

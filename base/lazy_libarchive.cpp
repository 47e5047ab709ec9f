// libarchive, loaded the first time gantry uses it instead of when gantry starts.
//
// libarchive brings libxml2, ICU (30 MB of data), ACL, nettle, lzma, lz4 and bzip2 along:
// mapping and relocating them costs about 6 ms on every start of gantry, a fifth of a fully
// cached rebuild, which never packs or unpacks a layer. gantry links this file instead: it
// defines the libarchive functions gantry calls, each forwarding to the real one, looked up in
// libarchive.so (dlopen) on its first call. The headers, types and constants are libarchive's.
//
// libarchive is a dependency of the gantry package: when it cannot be loaded gantry stops with
// one line saying why, as the dynamic loader would have at start-up.
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace {

[[noreturn]] void cannot_load(const char* what) {
  std::fprintf(stderr, "gantry: cannot load %s: %s\n", what, ::dlerror());
  std::_Exit(127);
}

void* libarchive() {
  static void* const library = [] {
    // Never unloaded: handles made by it live until the process ends.
    void* handle = ::dlopen(GANTRY_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!handle) cannot_load(GANTRY_LIBARCHIVE_SONAME);
    return handle;
  }();
  return library;
}

template <typename Function>
Function resolve(const char* name) {
  auto function = reinterpret_cast<Function>(::dlsym(libarchive(), name));
  if (!function) cannot_load(name);
  return function;
}

}  // namespace

// Defines `name` with libarchive's signature; the real function is looked up once.
#define GANTRY_FORWARD(result, name, params, args)                        \
  result name params {                                                    \
    static const auto real = resolve<decltype(&::name)>(#name);           \
    return real args;                                                     \
  }

extern "C" {

GANTRY_FORWARD(__LA_MODE_T, archive_entry_filetype, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(void, archive_entry_free, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(la_int64_t, archive_entry_gid, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(const char *, archive_entry_hardlink, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(time_t, archive_entry_mtime, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(struct archive_entry *, archive_entry_new, (), ())
GANTRY_FORWARD(const char *, archive_entry_pathname, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(const char *, archive_entry_pathname_utf8, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(__LA_MODE_T, archive_entry_perm, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(dev_t, archive_entry_rdevmajor, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(dev_t, archive_entry_rdevminor, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(void, archive_entry_set_gid, (struct archive_entry* a0, la_int64_t a1), (a0, a1))
GANTRY_FORWARD(void, archive_entry_set_hardlink, (struct archive_entry* a0, const char* a1), (a0, a1))
GANTRY_FORWARD(void, archive_entry_set_mode, (struct archive_entry* a0, __LA_MODE_T a1), (a0, a1))
GANTRY_FORWARD(void, archive_entry_set_mtime, (struct archive_entry* a0, time_t a1, long a2), (a0, a1, a2))
GANTRY_FORWARD(void, archive_entry_set_pathname, (struct archive_entry* a0, const char* a1), (a0, a1))
GANTRY_FORWARD(void, archive_entry_set_rdevmajor, (struct archive_entry* a0, dev_t a1), (a0, a1))
GANTRY_FORWARD(void, archive_entry_set_rdevminor, (struct archive_entry* a0, dev_t a1), (a0, a1))
GANTRY_FORWARD(void, archive_entry_set_size, (struct archive_entry* a0, la_int64_t a1), (a0, a1))
GANTRY_FORWARD(void, archive_entry_set_symlink, (struct archive_entry* a0, const char* a1), (a0, a1))
GANTRY_FORWARD(void, archive_entry_set_uid, (struct archive_entry* a0, la_int64_t a1), (a0, a1))
GANTRY_FORWARD(la_int64_t, archive_entry_size, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(const char *, archive_entry_symlink, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(const char *, archive_entry_symlink_utf8, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(la_int64_t, archive_entry_uid, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(void, archive_entry_xattr_add_entry, (struct archive_entry* a0, const char* a1, const void* a2, size_t a3), (a0, a1, a2, a3))
GANTRY_FORWARD(int, archive_entry_xattr_next, (struct archive_entry* a0, const char** a1, const void** a2, size_t* a3), (a0, a1, a2, a3))
GANTRY_FORWARD(int, archive_entry_xattr_reset, (struct archive_entry* a0), (a0))
GANTRY_FORWARD(const char *, archive_error_string, (struct archive* a0), (a0))
GANTRY_FORWARD(la_ssize_t, archive_read_data, (struct archive* a0, void* a1, size_t a2), (a0, a1, a2))
GANTRY_FORWARD(int, archive_read_data_block, (struct archive* a0, const void** a1, size_t* a2, la_int64_t* a3), (a0, a1, a2, a3))
GANTRY_FORWARD(int, archive_read_free, (struct archive* a0), (a0))
GANTRY_FORWARD(struct archive *, archive_read_new, (), ())
GANTRY_FORWARD(int, archive_read_next_header, (struct archive* a0, struct archive_entry** a1), (a0, a1))
GANTRY_FORWARD(int, archive_read_open, (struct archive* a0, void* a1, archive_open_callback* a2, archive_read_callback* a3, archive_close_callback* a4), (a0, a1, a2, a3, a4))
GANTRY_FORWARD(int, archive_read_open_fd, (struct archive* a0, int a1, size_t a2), (a0, a1, a2))
GANTRY_FORWARD(int, archive_read_open_filename, (struct archive* a0, const char* a1, size_t a2), (a0, a1, a2))
GANTRY_FORWARD(int, archive_read_support_filter_all, (struct archive* a0), (a0))
GANTRY_FORWARD(int, archive_read_support_filter_bzip2, (struct archive* a0), (a0))
GANTRY_FORWARD(int, archive_read_support_filter_gzip, (struct archive* a0), (a0))
GANTRY_FORWARD(int, archive_read_support_filter_xz, (struct archive* a0), (a0))
GANTRY_FORWARD(int, archive_read_support_filter_zstd, (struct archive* a0), (a0))
GANTRY_FORWARD(int, archive_read_support_format_raw, (struct archive* a0), (a0))
GANTRY_FORWARD(int, archive_read_support_format_tar, (struct archive* a0), (a0))
GANTRY_FORWARD(int, archive_write_close, (struct archive* a0), (a0))
GANTRY_FORWARD(la_ssize_t, archive_write_data, (struct archive* a0, const void* a1, size_t a2), (a0, a1, a2))
GANTRY_FORWARD(la_ssize_t, archive_write_data_block, (struct archive* a0, const void* a1, size_t a2, la_int64_t a3), (a0, a1, a2, a3))
GANTRY_FORWARD(struct archive *, archive_write_disk_new, (), ())
GANTRY_FORWARD(int, archive_write_disk_set_options, (struct archive* a0, int a1), (a0, a1))
GANTRY_FORWARD(int, archive_write_finish_entry, (struct archive* a0), (a0))
GANTRY_FORWARD(int, archive_write_free, (struct archive* a0), (a0))
GANTRY_FORWARD(int, archive_write_header, (struct archive* a0, struct archive_entry* a1), (a0, a1))
GANTRY_FORWARD(struct archive *, archive_write_new, (), ())
GANTRY_FORWARD(int, archive_write_open2, (struct archive* a0, void* a1, archive_open_callback* a2, archive_write_callback* a3, archive_close_callback* a4, archive_free_callback* a5), (a0, a1, a2, a3, a4, a5))
GANTRY_FORWARD(int, archive_write_set_bytes_in_last_block, (struct archive* a0, int a1), (a0, a1))
GANTRY_FORWARD(int, archive_write_set_bytes_per_block, (struct archive* a0, int a1), (a0, a1))
GANTRY_FORWARD(int, archive_write_set_format_pax_restricted, (struct archive* a0), (a0))

// Variadic: formatted here, passed on as one string.
void archive_set_error(struct archive* a, int error, const char* format, ...) {
  static const auto real = resolve<decltype(&::archive_set_error)>("archive_set_error");
  char message[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  real(a, error, "%s", message);
}

}  // extern "C"

#include "registry/curl_handle.h"

#include "base/error.h"

namespace gantry::registry {

CurlHeaderList::CurlHeaderList(const std::vector<std::string>& lines) {
  for (const auto& line : lines) {
    // Appending returns the list's head: the first append creates it, later ones keep it.
    curl_slist* head = curl_slist_append(list_.get(), line.c_str());
    if (!head) throw Error("libcurl: cannot allocate a header list");
    if (!list_) list_.reset(head);
  }
}

CurlEasy make_curl_easy() {
  // curl_global_init is not thread-safe; a function-local static runs it exactly once.
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  CurlEasy handle(initialised ? curl_easy_init() : nullptr);
  if (!handle) throw Error("libcurl: cannot initialise a transfer handle");
  return handle;
}

std::string url_escape(std::string_view text) {
  CurlEasy handle = make_curl_easy();
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(handle.get(), text.data(), static_cast<int>(text.size())), &curl_free);
  if (!escaped) throw Error("libcurl: cannot escape `" + std::string(text) + "`");
  return escaped.get();
}

}  // namespace gantry::registry

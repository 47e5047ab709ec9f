// Owned libcurl handles: an easy handle and a header list, released when their owner goes away.
// libcurl's global state is initialised once, before the first handle, as its docs require.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::registry {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// "Name: value" lines for CURLOPT_HTTPHEADER.
class CurlHeaderList {
 public:
  explicit CurlHeaderList(const std::vector<std::string>& lines);
  curl_slist* get() const { return list_.get(); }

 private:
  std::unique_ptr<curl_slist, CurlSlistDeleter> list_;
};

// A fresh easy handle; throws Error when libcurl cannot be initialised.
CurlEasy make_curl_easy();

// Percent-encodes `text` for a URL query value.
std::string url_escape(std::string_view text);

}  // namespace gantry::registry

#include "registry/certs_directory.h"

#include <algorithm>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::registry {

namespace fs = std::filesystem;

HostCertificates host_certificates(const std::vector<fs::path>& certs_dirs,
                                   const std::string& host) {
  HostCertificates out;
  for (const auto& dir : certs_dirs) {
    std::error_code ec;
    if (fs::is_directory(dir / host, ec)) {
      out.directory = dir / host;
      break;
    }
  }
  if (out.directory.empty()) return out;

  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out.directory, ec))
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  if (ec) throw Error("certs directory `" + out.directory.string() + "`: " + ec.message());
  std::sort(files.begin(), files.end());  // the CAs in a stable order

  auto has = [&](const fs::path& file) {
    return std::find(files.begin(), files.end(), file) != files.end();
  };
  for (const auto& file : files) {
    const std::string extension = file.extension().string();
    if (extension == ".crt") {
      out.ca_pem += read_file(file) + "\n";
    } else if (extension == ".cert") {
      fs::path key = file;
      key.replace_extension(".key");
      if (!has(key))
        throw Error("client certificate `" + file.string() + "`: no key `" +
                    key.filename().string() + "` beside it (CA certificates end in .crt)");
      if (!out.client_cert.empty())
        throw Error("certs directory `" + out.directory.string() +
                    "`: several client certificates (" + out.client_cert.filename().string() +
                    ", " + file.filename().string() + "); keep one");
      out.client_cert = file;
      out.client_key = key;
    } else if (extension == ".key") {
      fs::path cert = file;
      cert.replace_extension(".cert");
      if (!has(cert))
        throw Error("client key `" + file.string() + "`: no certificate `" +
                    cert.filename().string() + "` beside it");
    }
  }
  return out;
}

}  // namespace gantry::registry

#include "registry/blob_sources.h"

namespace gantry::registry {

BlobSources::BlobSources(cache::Database& db) : db_(db) {}

void BlobSources::record(const Digest& blob, const std::string& registry, const std::string& repository) {
  db_.prepare("INSERT OR IGNORE INTO registry_blob_sources(digest, registry, repository) VALUES(?, ?, ?)")
      .bind(1, blob.str()).bind(2, registry).bind(3, repository).run();
}

std::vector<std::string> BlobSources::repositories(const Digest& blob, const std::string& registry) {
  auto st = db_.prepare("SELECT repository FROM registry_blob_sources WHERE digest = ? AND registry = ?");
  st.bind(1, blob.str()).bind(2, registry);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

}  // namespace gantry::registry

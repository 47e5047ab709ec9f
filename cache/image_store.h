// Image names -> manifest digests. The manifests, configs and layers are blobs in the
// ContentStore; this is only the naming table (in the metadata database), so tagging and
// untagging are single atomic row updates.
//
// An image whose last name is moved to another image (a rebuild of `app:1`, a newer pull)
// stays in the store untagged, as docker keeps a "dangling" image, until it is forgotten
// (`gantry image prune`). Removing a name (rmi) removes the image with it when no other name
// points to it. The garbage collector keeps the blobs of named and untagged images alike.
//
// An image also has the digests registries know it by (docker's RepoDigests), recorded by pull
// and push: "127.0.0.1:5000/team/app@sha256:...". As docker does, they go with the image, and
// with the last name of their repository that points to the image (`rmi app:1` drops
// app@sha256:... unless app:2 names the same image).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "cache/sqlite_db.h"

namespace gantry::cache {

struct ImageEntry {
  std::string name;  // familiar form, "hello:latest"; empty for an untagged image
  Digest manifest;
  std::int64_t updated = 0;  // unix seconds: named, or left untagged
};

struct RepoDigest {
  std::string repository;  // familiar, without tag: "busybox", "127.0.0.1:5000/team/app"
  Digest digest;           // the manifest (or index) the registry has
  std::string str() const { return repository + "@" + digest.str(); }
};

class ImageStore {
 public:
  explicit ImageStore(Database& db) : db_(db) {}

  std::optional<Digest> find(const std::string& name) const;
  // Points `name` at `manifest`; the image it pointed to before becomes untagged when no other
  // name points to it.
  void set(const std::string& name, const Digest& manifest);
  // Removes `name`, and the image's digests in its repository when no other name of that
  // repository points to the image (all of them when no name does). Returns what was removed:
  // `name`, then each "repository@digest"; nothing when there was no such name.
  std::vector<std::string> remove(const std::string& name);
  std::vector<ImageEntry> list() const;  // sorted by name
  std::vector<ImageEntry> names_of(const Digest& manifest) const;  // the names of one image, sorted
  std::vector<ImageEntry> untagged() const;  // oldest first
  // Keeps an image that came in without a name (the load of an untagged archive) as untagged,
  // unless a name points to it: listed, and kept by the GC, until it is forgotten.
  void keep_untagged(const Digest& manifest);
  // Drops an untagged image (its blobs become garbage) and its digests; false when it was not
  // untagged.
  bool forget_untagged(const Digest& manifest);

  // Records that the repository of `name` ("reg/app" of "reg/app:1"; a name without tag is a
  // repository) has the image `manifest` as `digest`, moving that digest from another image it
  // named before.
  void add_repo_digest(const std::string& name, const Digest& digest, const Digest& manifest);
  // The image's digests, by repository and digest.
  std::vector<RepoDigest> repo_digests(const Digest& manifest) const;

 private:
  Database& db_;
};

}  // namespace gantry::cache

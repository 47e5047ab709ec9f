// Exports of images from the content store, for other tools: an OCI image layout directory, an
// oci-archive (a tar of that layout) and a docker-archive (what `docker save` writes; `docker
// load`, `podman load` and skopeo read it).
//
// Each takes (name, manifest) pairs; a name is a familiar reference such as "hello:latest"
// (empty: the image is exported untagged). The OCI forms annotate the index entry with
// org.opencontainers.image.ref.name (the tag) and io.containerd.image.name (the full name); the
// docker-archive lists the names in RepoTags and holds the layers uncompressed, as
// "<diff_id hex>.tar", with the config as "<config hex>.json". Every export is written under a
// temp name beside its destination and renamed into place at the end, so a failure leaves
// nothing behind; the tars are deterministic (same images -> same bytes).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/digest.h"
#include "cache/content_store.h"
#include "exporter/output_file.h"

namespace gantry::exporter {

using TaggedManifests = std::vector<std::pair<std::string, Digest>>;
// Annotations of every index.json entry besides the names (which win over them).
using DescriptorAnnotations = std::map<std::string, std::string>;

// Layers the content store does not hold, packed straight into an archive from these
// directories (by blob digest): the uncompressed layers the local store keeps only as
// snapshots, whose blob is their tar, so the blob digest is the diff_id and the manifest gives
// the size.
using LayerDirs = std::map<Digest, std::filesystem::path>;

// Fills `dir`, an empty directory (an export's staging directory, renamed into place by the
// caller: cache/staging_beside.h), with the layout's files.
void write_oci_layout(const cache::ContentStore& store, const TaggedManifests& tagged_manifests,
                      const std::filesystem::path& dir, const DescriptorAnnotations& annotations = {});
// Adds `manifest` (an OCI manifest) and the blobs it names to the OCI layout `dir` (made when
// missing) and makes it the only entry of its index, tagged `tag`. Blobs already there stay;
// index.json is replaced last, so a reader sees the whole old layout or the whole new one.
void update_oci_layout(const cache::ContentStore& store, const Digest& manifest, const std::string& tag,
                       const std::filesystem::path& dir);
// The layers of `layer_dirs` are packed into the archive as it is written (see below).
void write_oci_archive(const cache::ContentStore& store, const TaggedManifests& tagged_manifests,
                       const OutputTarget& dest_tar, const DescriptorAnnotations& annotations = {},
                       const LayerDirs& layer_dirs = {});
// Compressed layers are expanded into `scratch_dir` (the caller's scratch space, which it removes)
// on their way into the tar; the layers of `layer_dirs` are packed into it as they are written,
// and must pack to the diff_id and size the image gives (else Error naming the directory).
void write_docker_archive(const cache::ContentStore& store, const TaggedManifests& tagged_manifests,
                          const OutputTarget& dest_tar, const std::filesystem::path& scratch_dir,
                          const LayerDirs& layer_dirs = {});

}  // namespace gantry::exporter

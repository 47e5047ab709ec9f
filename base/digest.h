// Content digests in the OCI form "sha256:<64 hex>", and an incremental SHA-256 hasher.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace gantry {

class Digest {
 public:
  Digest() = default;
  // Parses "sha256:<64 lowercase hex>"; throws Error naming the text when it is not one.
  static Digest parse(std::string_view text);
  static Digest from_hex(std::string_view hex);  // 64 lowercase hex chars

  bool empty() const { return hex_.empty(); }
  const std::string& hex() const { return hex_; }
  std::string str() const { return empty() ? std::string() : "sha256:" + hex_; }
  std::string short_hex() const { return hex_.substr(0, 12); }

  auto operator<=>(const Digest&) const = default;

 private:
  std::string hex_;
};

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  Sha256& update(const void* data, std::size_t size);
  Sha256& update(std::string_view data) { return update(data.data(), data.size()); }
  Digest finish();  // the hasher may not be used after this

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Digest sha256_of(std::string_view data);
Digest sha256_of_file(const std::filesystem::path& path);
// The digest of what is left to read in `fd`; errors name `what`.
Digest sha256_of_fd(int fd, const std::string& what);

}  // namespace gantry

template <>
struct std::hash<gantry::Digest> {
  std::size_t operator()(const gantry::Digest& d) const noexcept {
    return std::hash<std::string>()(d.hex());
  }
};

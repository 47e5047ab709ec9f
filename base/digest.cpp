#include "base/digest.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace gantry {

namespace {
bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
}  // namespace

Digest Digest::parse(std::string_view text) {
  constexpr std::string_view prefix = "sha256:";
  if (!text.starts_with(prefix)) throw Error("invalid digest `" + std::string(text) + "`");
  return from_hex(text.substr(prefix.size()));
}

Digest Digest::from_hex(std::string_view hex) {
  if (hex.size() != 64 || !is_lower_hex(hex))
    throw Error("invalid sha256 hex `" + std::string(hex) + "`");
  Digest d;
  d.hex_ = std::string(hex);
  return d;
}

namespace {
// SHA-256 from the default provider, fetched once. Before that, OpenSSL is told not to register
// every legacy cipher and digest name, which it would otherwise do on first use: that table
// costs about half a millisecond at each start of gantry, and nothing looks a name up in it.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const md = [] {
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS, nullptr);
    return EVP_MD_fetch(nullptr, "SHA256", nullptr);
  }();
  return md;
}
}  // namespace

struct Sha256::State {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  const EVP_MD* md = sha256_algorithm();
  if (!md || !state_->ctx || EVP_DigestInit_ex(state_->ctx, md, nullptr) != 1)
    throw Error("sha256: cannot initialise OpenSSL digest");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

Sha256& Sha256::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(state_->ctx, data, size);
  return *this;
}

Digest Sha256::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(state_->ctx, md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    hex[2 * i] = kHex[md[i] >> 4];
    hex[2 * i + 1] = kHex[md[i] & 0xf];
  }
  return Digest::from_hex(hex);
}

Digest sha256_of(std::string_view data) { return Sha256().update(data).finish(); }

Digest sha256_of_file(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open `" + path.string() + "`");
  return sha256_of_fd(fd.get(), "`" + path.string() + "`");
}

Digest sha256_of_fd(int fd, const std::string& what) {
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read " + what);
    if (n == 0) return h.finish();
    h.update(buf.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace gantry

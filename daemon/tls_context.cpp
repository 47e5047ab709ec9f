#include "daemon/tls_context.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace gantry::daemon {

namespace {

// The reason of OpenSSL's latest error, and its queue emptied (it is per thread, and the next
// handshake on this thread must not see these).
std::string openssl_reason() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  const char* reason = last ? ERR_reason_error_string(last) : nullptr;
  return reason ? reason : "unknown error";
}

std::invalid_argument file_error(const std::string& path, const std::string& what) {
  return std::invalid_argument("`" + path + "`: " + what);
}

// OpenSSL's own message for a file it cannot open is "system lib"; this names the cause.
void check_readable(const std::string& path) {
  if (std::FILE* file = std::fopen(path.c_str(), "r")) {
    std::fclose(file);
    return;
  }
  throw file_error(path, std::strerror(errno));
}

// The unencrypted PEM private key in `path`. An encrypted one is refused: OpenSSL's default would
// ask the terminal for its passphrase.
EVP_PKEY* read_private_key(const std::string& path) {
  const std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "r"),
                                                                &std::fclose);
  if (!file) throw file_error(path, std::strerror(errno));
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* key = PEM_read_PrivateKey(file.get(), nullptr, no_passphrase, nullptr);
  if (!key) throw file_error(path, "not an unencrypted PEM private key (" + openssl_reason() + ")");
  return key;
}

// httplib closes a connection whose handshake failed at once, with the client's first request
// unread (a TLS 1.3 client sends it right behind its certificate); the kernel answers that close
// with a reset, which may reach the client before the alert saying why, and the client reports a
// broken pipe instead. So a fatal alert is followed by the end of the stream, and what the
// client sends is read and dropped until it hangs up, for a second at most.
void hang_up_after_fatal_alert(const SSL* ssl, int where, int alert) {
  if (!(where & SSL_CB_WRITE_ALERT) || (alert >> 8) != SSL3_AL_FATAL) return;
  const int fd = SSL_get_fd(ssl);
  if (fd < 0 || ::shutdown(fd, SHUT_WR) != 0) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (char dropped[4096];;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd readable{.fd = fd, .events = POLLIN};
    if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0) return;
    if (::recv(fd, dropped, sizeof dropped, 0) <= 0) return;  // hung up, or gone
  }
}

}  // namespace

void configure_tls_context(SSL_CTX& context, const TlsFiles& files) {
  SSL_CTX_set_min_proto_version(&context, TLS1_2_VERSION);
  SSL_CTX_set_info_callback(&context, hang_up_after_fatal_alert);
  check_readable(files.cert);
  if (SSL_CTX_use_certificate_chain_file(&context, files.cert.c_str()) != 1)
    throw file_error(files.cert, "not a PEM certificate (" + openssl_reason() + ")");
  // Read apart from its use, which fails the same way for a file that is no key and for the key
  // of another certificate.
  const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(read_private_key(files.key),
                                                                &EVP_PKEY_free);
  if (SSL_CTX_use_PrivateKey(&context, key.get()) != 1) {
    openssl_reason();
    throw file_error(files.key, "not the private key of the certificate `" + files.cert + "`");
  }
  if (files.client_ca.empty()) return;
  check_readable(files.client_ca);
  if (SSL_CTX_load_verify_locations(&context, files.client_ca.c_str(), nullptr) != 1)
    throw file_error(files.client_ca, "not a PEM CA certificate (" + openssl_reason() + ")");
  // The CA names the server sends in its certificate request, so that a client holding several
  // certificates picks one this CA signed.
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca.c_str());
  if (!names)
    throw file_error(files.client_ca, "no CA certificate in it (" + openssl_reason() + ")");
  SSL_CTX_set_client_CA_list(&context, names);  // takes ownership
  SSL_CTX_set_verify(&context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
}

}  // namespace gantry::daemon

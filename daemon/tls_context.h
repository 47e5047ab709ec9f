// The OpenSSL context of the daemon's TLS listeners, part of the HTTP server module (see
// http_server.h): the server's certificate and key, TLS 1.2 at least, and, when a client CA is
// given, a handshake that fails for a client without a certificate that CA signed. Only that CA
// is trusted for clients, not the system's.
#pragma once

#include <openssl/ssl.h>

#include "daemon/tls_files.h"

namespace gantry::daemon {

// Throws std::invalid_argument naming the file at fault: missing, unreadable, not PEM, or a key
// that is not the certificate's.
void configure_tls_context(SSL_CTX& context, const TlsFiles& files);

}  // namespace gantry::daemon

// The files a TLS listener of the daemon is set up from (dockerd's --tlscert, --tlskey and
// --tlscacert), all PEM.
#pragma once

#include <string>

namespace gantry::daemon {

struct TlsFiles {
  std::string cert;  // the server's certificate, and the chain up to its CA if any
  std::string key;   // its private key
  // Clients must present a certificate this CA signed, or the handshake fails; empty: any client
  // is served (dockerd's --tlsverify=false).
  std::string client_ca;
};

}  // namespace gantry::daemon

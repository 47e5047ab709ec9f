// `gantry daemon` over TCP, end to end with the real docker clients: TLS with client
// certificates (--tlsverify) made by the openssl CLI in the test's scratch directory, the clients
// it refuses at the handshake, and plain TCP, which only --insecure-tcp allows.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>

#include "base/unique_fd.h"
#include "tests/e2e/gantry_daemon.h"
#include "tests/e2e/local_registry.h"

namespace gantry::e2e {
namespace {

namespace fs = std::filesystem;

bool port_listens(int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{.sin_family = AF_INET,
                   .sin_port = htons(static_cast<std::uint16_t>(port)),
                   .sin_addr = {htonl(INADDR_LOOPBACK)}};
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto o = run_command(argv);
  if (o.exit_code != 0) throw std::runtime_error("openssl " + args[0] + ": " + o.err);
}

// A CA, and certificates it signs, as PEM files in a directory.
class CertificateAuthority {
 public:
  CertificateAuthority(fs::path dir, const std::string& name) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-days", "2", "-subj", "/CN=" + name, "-keyout", key().string(), "-out",
             cert().string()});
  }
  fs::path cert() const { return dir_ / "ca.pem"; }

  struct Issued {
    fs::path cert, key;
  };
  // `extensions`: the certificate's, in openssl's config syntax (its SAN, its usage).
  Issued issue(const std::string& name, const std::string& extensions) const {
    const Issued issued{dir_ / (name + "-cert.pem"), dir_ / (name + "-key.pem")};
    const fs::path request = dir_ / (name + ".csr"), config = dir_ / (name + ".ext");
    std::ofstream(config) << extensions;
    openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-subj", "/CN=" + name, "-keyout", issued.key.string(), "-out", request.string()});
    openssl({"x509", "-req", "-in", request.string(), "-CA", cert().string(), "-CAkey",
             key().string(), "-CAcreateserial", "-days", "2", "-extfile", config.string(), "-out",
             issued.cert.string()});
    return issued;
  }

 private:
  fs::path key() const { return dir_ / "ca-key.pem"; }
  fs::path dir_;
};

constexpr const char* kServerExtensions =
    "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
constexpr const char* kClientExtensions = "extendedKeyUsage=clientAuth\n";

// The certificates of one test: the daemon's and a client's from one CA, and a client's from
// another CA the daemon does not trust.
struct Certificates {
  explicit Certificates(const fs::path& dir)
      : ca(dir / "ca", "gantry-test-ca"),
        server(ca.issue("server", kServerExtensions)),
        client(ca.issue("client", kClientExtensions)),
        foreign_ca(dir / "foreign", "foreign-ca"),
        foreign_client(foreign_ca.issue("client", kClientExtensions)) {}

  CertificateAuthority ca;
  CertificateAuthority::Issued server, client;
  CertificateAuthority foreign_ca;
  CertificateAuthority::Issued foreign_client;
};

class DaemonOverTcp : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!fs::exists(GetParam())) GTEST_SKIP() << GetParam() << " is not installed";
  }

  std::string tcp_host() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  // The daemon's flags for TLS that verifies clients, on tcp_host() beside its unix socket.
  std::vector<std::string> verifying_flags() const {
    return {"-H",
            tcp_host(),
            "--tlsverify",
            "--tlscacert",
            certs_.ca.cert().string(),
            "--tlscert",
            certs_.server.cert.string(),
            "--tlskey",
            certs_.server.key.string()};
  }

  // The docker client on tcp_host() with `flags` (its TLS ones) before `args`.
  Outcome docker(std::vector<std::string> flags, const std::vector<std::string>& args) const {
    flags.insert(flags.begin(), GetParam());
    flags.insert(flags.end(), {"-H", tcp_host()});
    flags.insert(flags.end(), args.begin(), args.end());
    // Nothing of the user's: no certificates in the default places, no other daemon.
    const fs::path config = env_.scratch() / "docker-config";
    return run_command(flags, {{"DOCKER_CONFIG", config.string()},
                               {"DOCKER_CERT_PATH", config.string()},
                               {"DOCKER_BUILDKIT", "0"}});
  }

  std::vector<std::string> client_tls(const CertificateAuthority::Issued& client) const {
    return {"--tlsverify",        "--tlscacert", certs_.ca.cert().string(), "--tlscert",
            client.cert.string(), "--tlskey",    client.key.string()};
  }

  GantryEnv env_;
  Certificates certs_{env_.scratch() / "certs"};
  int port_ = unused_loopback_port();
};

TEST_P(DaemonOverTcp, AClientWithACertificateTheCaSignedGetsVersionAndBuilds) {
  env_.import_busybox();
  GantryDaemon daemon(env_, verifying_flags());
  const auto version =
      docker(client_tls(certs_.client), {"version", "--format", "{{.Server.APIVersion}}"});
  ASSERT_EQ(version.exit_code, 0) << version.err << daemon.log();
  EXPECT_EQ(version.out, "1.41\n");

  const fs::path context = env_.scratch() / "app";
  fs::create_directories(context);
  std::ofstream(context / "Dockerfile") << "FROM busybox\nRUN echo over-tls > /built\n";
  const auto build = docker(client_tls(certs_.client), {"build", "-t", "app", context.string()});
  ASSERT_EQ(build.exit_code, 0) << build.out << build.err << daemon.log();
  EXPECT_NE(build.out.find("Successfully tagged app:latest"), std::string::npos) << build.out;
  // The same daemon serves its unix socket at once: the image built over TCP is in its store.
  const auto images = run_command({GetParam(), "images", "--format", "{{.Repository}}"},
                                  {{"DOCKER_HOST", "unix://" + daemon.socket().string()},
                                   {"DOCKER_CONFIG", (env_.scratch() / "docker-config").string()}});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  EXPECT_NE(images.out.find("app\n"), std::string::npos) << images.out;
  EXPECT_NE(daemon.log().find("listening on " + tcp_host() + " with TLS"), std::string::npos)
      << daemon.log();
}

TEST_P(DaemonOverTcp, AClientWithoutACertificateIsRefusedAtTheHandshake) {
  GantryDaemon daemon(env_, verifying_flags());
  const auto o = docker({"--tlsverify", "--tlscacert", certs_.ca.cert().string()}, {"version"});
  EXPECT_EQ(o.exit_code, 1) << o.out;
  EXPECT_NE(o.err.find("tls: certificate required"), std::string::npos) << o.err;
  EXPECT_EQ(o.out.find("Server:"), std::string::npos) << o.out;
}

TEST_P(DaemonOverTcp, AClientCertificateFromAnotherCaIsRefusedAtTheHandshake) {
  GantryDaemon daemon(env_, verifying_flags());
  // The docker client does not even send it: the daemon's certificate request names the CA it
  // trusts, and Go's TLS offers only a certificate that CA signed.
  const auto o = docker(client_tls(certs_.foreign_client), {"version"});
  EXPECT_EQ(o.exit_code, 1) << o.out;
  EXPECT_NE(o.err.find("tls: certificate required"), std::string::npos) << o.err;
  EXPECT_EQ(o.out.find("Server:"), std::string::npos) << o.out;
  // A client that sends it anyway is refused for it.
  const auto sent =
      run_command({"curl", "-sS", "--cacert", certs_.ca.cert().string(), "--cert",
                   certs_.foreign_client.cert.string(), "--key", certs_.foreign_client.key.string(),
                   "https://127.0.0.1:" + std::to_string(port_) + "/_ping"});
  EXPECT_NE(sent.exit_code, 0) << sent.out;
  EXPECT_NE(sent.err.find("alert unknown ca"), std::string::npos) << sent.err;
  EXPECT_EQ(sent.out, "");
}

TEST_P(DaemonOverTcp, TlsAloneVerifiesClientsAsDockerdDoes) {
  GantryDaemon daemon(
      env_, {"-H", tcp_host(), "--tls", "--tlscacert", certs_.ca.cert().string(), "--tlscert",
             certs_.server.cert.string(), "--tlskey", certs_.server.key.string()});
  const auto without =
      docker({"--tlsverify", "--tlscacert", certs_.ca.cert().string()}, {"version"});
  EXPECT_EQ(without.exit_code, 1) << without.out;
  EXPECT_NE(without.err.find("tls: certificate required"), std::string::npos) << without.err;
  const auto with =
      docker(client_tls(certs_.client), {"version", "--format", "{{.Server.APIVersion}}"});
  EXPECT_EQ(with.exit_code, 0) << with.err << daemon.log();
}

TEST_P(DaemonOverTcp, PlainHttpToTheTlsPortGetsNoAnswer) {
  GantryDaemon daemon(env_, verifying_flags());
  const auto o = docker({}, {"version"});
  EXPECT_EQ(o.exit_code, 1) << o.out;
  EXPECT_EQ(o.out.find("Server:"), std::string::npos) << o.out;
  // The connection ends without an answer (EOF, or a reset when the request was left unread).
  EXPECT_NE(
      o.err.find("error during connect: Get \"http://127.0.0.1:" + std::to_string(port_) + "/"),
      std::string::npos)
      << o.err;
}

TEST_P(DaemonOverTcp, PlainTcpServesWithInsecureTcpAndAWarning) {
  GantryDaemon daemon(env_, {"-H", tcp_host(), "--insecure-tcp"});
  const auto o = docker({}, {"version", "--format", "{{.Server.APIVersion}}"});
  ASSERT_EQ(o.exit_code, 0) << o.err << daemon.log();
  EXPECT_EQ(o.out, "1.41\n");
  EXPECT_NE(
      daemon.log().find(tcp_host() + ": serving clients without a certificate (--insecure-tcp)"),
      std::string::npos)
      << daemon.log();
}

TEST_P(DaemonOverTcp, TlsWithoutVerificationServesAnyClientWithInsecureTcp) {
  GantryDaemon daemon(
      env_, {"-H", tcp_host(), "--tlsverify=false", "--tlscert", certs_.server.cert.string(),
             "--tlskey", certs_.server.key.string(), "--insecure-tcp"});
  // The client checks the daemon's certificate, and shows none of its own.
  const auto o = docker({"--tlsverify", "--tlscacert", certs_.ca.cert().string()},
                        {"version", "--format", "{{.Server.APIVersion}}"});
  ASSERT_EQ(o.exit_code, 0) << o.err << daemon.log();
  EXPECT_EQ(o.out, "1.41\n");
}

INSTANTIATE_TEST_SUITE_P(Clients, DaemonOverTcp,
                         ::testing::Values("/usr/bin/docker", "/usr/local/bin/docker"),
                         [](const auto& info) {
                           return info.param == "/usr/bin/docker" ? "Docker20" : "Docker28";
                         });

// `gantry daemon` with `flags` that it must refuse before it listens anywhere: its outcome, and
// whether its unix socket, given first, was left behind.
struct Refusal {
  Outcome outcome;
  bool socket_left = false;
};

Refusal refused_daemon(const GantryEnv& env, std::vector<std::string> flags,
                       std::map<std::string, std::string> variables = {}) {
  const fs::path socket = env.scratch() / "refused.sock";
  flags.insert(flags.begin(), {"daemon", "-H", "unix://" + socket.string()});
  Refusal r{env.gantry(flags, std::move(variables))};
  r.socket_left = fs::exists(socket);
  return r;
}

TEST(DaemonTcp, PlainTcpWithoutInsecureTcpIsAUsageErrorSayingWhy) {
  GantryEnv env;
  const int port = unused_loopback_port();
  const std::string host = "tcp://127.0.0.1:" + std::to_string(port);
  const auto r = refused_daemon(env, {"-H", host});
  EXPECT_EQ(r.outcome.exit_code, 125);
  EXPECT_NE(
      r.outcome.err.find("-H `" + host +
                         "`: TCP without TLS lets anyone who reaches the port use the daemon"),
      std::string::npos)
      << r.outcome.err;
  EXPECT_NE(r.outcome.err.find("or --insecure-tcp to accept that"), std::string::npos);
  EXPECT_FALSE(r.socket_left);
  EXPECT_FALSE(port_listens(port));
}

TEST(DaemonTcp, TlsWithoutVerificationNeedsInsecureTcpToo) {
  GantryEnv env;
  const Certificates certs(env.scratch() / "certs");
  const auto r = refused_daemon(
      env, {"-H", "tcp://127.0.0.1:" + std::to_string(unused_loopback_port()), "--tlsverify=false",
            "--tlscert", certs.server.cert.string(), "--tlskey", certs.server.key.string()});
  EXPECT_EQ(r.outcome.exit_code, 125);
  EXPECT_NE(r.outcome.err.find("TLS without client certificates (--tlsverify=false) lets anyone"),
            std::string::npos)
      << r.outcome.err;
}

TEST(DaemonTcp, TlsFilesThatAreMissingOrWrongAreNamedAndNothingListens) {
  GantryEnv env;
  const Certificates certs(env.scratch() / "certs");
  const fs::path garbage = env.scratch() / "garbage.pem";
  std::ofstream(garbage) << "not a pem file\n";
  const fs::path missing = env.scratch() / "missing.pem";
  const int port = unused_loopback_port();
  auto with = [&](const fs::path& ca, const fs::path& cert, const fs::path& key) {
    return refused_daemon(
        env, {"-H", "tcp://127.0.0.1:" + std::to_string(port), "--tlsverify", "--tlscacert",
              ca.string(), "--tlscert", cert.string(), "--tlskey", key.string()});
  };
  const struct {
    Refusal refusal;
    std::string message;
  } cases[] = {
      {with(certs.ca.cert(), missing, certs.server.key),
       "`" + missing.string() + "`: No such file or directory"},
      {with(certs.ca.cert(), garbage, certs.server.key),
       "`" + garbage.string() + "`: not a PEM certificate"},
      {with(certs.ca.cert(), certs.server.cert, garbage),
       "`" + garbage.string() + "`: not an unencrypted PEM private key"},
      {with(certs.ca.cert(), certs.server.cert, certs.client.key),
       "`" + certs.client.key.string() + "`: not the private key of the certificate `" +
           certs.server.cert.string() + "`"},
      {with(missing, certs.server.cert, certs.server.key),
       "`" + missing.string() + "`: No such file or directory"},
      {with(garbage, certs.server.cert, certs.server.key),
       "`" + garbage.string() + "`: not a PEM CA certificate"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.refusal.outcome.exit_code, 1) << c.message;
    EXPECT_NE(c.refusal.outcome.err.find(c.message), std::string::npos)
        << c.refusal.outcome.err << "\nwanted: " << c.message;
    EXPECT_EQ(lines_of(c.refusal.outcome.err).size(), 1u) << c.refusal.outcome.err;
    EXPECT_FALSE(c.refusal.socket_left) << c.message;
  }
  EXPECT_FALSE(port_listens(port));
}

TEST(DaemonTcp, TlsFilesNotGivenAreLookedForWhereDockerdLooks) {
  GantryEnv env;
  const fs::path certs = env.scratch() / "docker-certs";
  const auto r = refused_daemon(
      env, {"-H", "tcp://127.0.0.1:" + std::to_string(unused_loopback_port()), "--tlsverify"},
      {{"DOCKER_CERT_PATH", certs.string()}});
  EXPECT_EQ(r.outcome.exit_code, 1);
  EXPECT_NE(
      r.outcome.err.find("`" + (certs / "cert.pem").string() + "`: No such file or directory"),
      std::string::npos)
      << r.outcome.err;
}

TEST(DaemonTcp, FlagsNoListenerWouldApplyAreRefusedByName) {
  GantryEnv env;
  const auto tls_on_unix_only = refused_daemon(env, {"--tlsverify"});
  EXPECT_EQ(tls_on_unix_only.outcome.exit_code, 125);
  EXPECT_NE(tls_on_unix_only.outcome.err.find(
                "--tls/--tlsverify: no -H tcp:// listener to speak TLS on (unix sockets never do)"),
            std::string::npos)
      << tls_on_unix_only.outcome.err;
  const auto cert_without_tls = refused_daemon(env, {"--tlscert", "/x.pem"});
  EXPECT_EQ(cert_without_tls.outcome.exit_code, 125);
  EXPECT_NE(cert_without_tls.outcome.err.find("--tlscert: TLS is off; add --tlsverify (or --tls)"),
            std::string::npos)
      << cert_without_tls.outcome.err;
  const auto insecure_for_nothing = refused_daemon(env, {"--insecure-tcp"});
  EXPECT_EQ(insecure_for_nothing.outcome.exit_code, 125);
  EXPECT_NE(insecure_for_nothing.outcome.err.find(
                "--insecure-tcp: no -H tcp:// listener serves clients without a certificate"),
            std::string::npos)
      << insecure_for_nothing.outcome.err;
  const auto systemd = refused_daemon(env, {"-H", "fd://"});
  EXPECT_EQ(systemd.outcome.exit_code, 125);
  EXPECT_NE(systemd.outcome.err.find("-H `fd://`: gantry takes no sockets from systemd"),
            std::string::npos)
      << systemd.outcome.err;
}

}  // namespace
}  // namespace gantry::e2e

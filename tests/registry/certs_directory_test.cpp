#include "registry/certs_directory.h"

#include <gtest/gtest.h>

#include <functional>

#include "base/error.h"
#include "base/file_util.h"
#include "tests/registry/message_of.h"

namespace gantry::registry {

namespace fs = std::filesystem;

namespace {

class CertsDirectoryTest : public ::testing::Test {
 protected:
  fs::path user() const { return dir_.path() / "user"; }
  fs::path system() const { return dir_.path() / "system"; }
  void put(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    write_file_atomic(file, text);
  }
  TempDir dir_{fs::temp_directory_path()};
};

}  // namespace

TEST_F(CertsDirectoryTest, NothingForARegistryWithoutADirectory) {
  put(user() / "other:5000/ca.crt", "CA");
  const auto certs = host_certificates({user(), system()}, "127.0.0.1:5000");
  EXPECT_TRUE(certs.directory.empty());
  EXPECT_TRUE(certs.ca_pem.empty());
  EXPECT_TRUE(certs.client_cert.empty());
  EXPECT_TRUE(host_certificates({}, "127.0.0.1:5000").directory.empty());
}

TEST_F(CertsDirectoryTest, EveryCrtIsACaAndACertWithItsKeyIsTheClient) {
  put(system() / "reg:5000/ca.crt", "SYSTEM CA");
  put(user() / "reg:5000/ca.crt", "CA ONE");
  put(user() / "reg:5000/extra.crt", "CA TWO");
  put(user() / "reg:5000/client.cert", "CERT");
  put(user() / "reg:5000/client.key", "KEY");
  const auto certs = host_certificates({user(), system()}, "reg:5000");
  EXPECT_EQ(certs.directory, user() / "reg:5000");
  EXPECT_EQ(certs.ca_pem, "CA ONE\nCA TWO\n");  // the first directory that has the registry, whole
  EXPECT_EQ(certs.client_cert, user() / "reg:5000/client.cert");
  EXPECT_EQ(certs.client_key, user() / "reg:5000/client.key");
  EXPECT_EQ(host_certificates({system(), user()}, "reg:5000").ca_pem, "SYSTEM CA\n");
}

TEST_F(CertsDirectoryTest, AHalfPairIsAnErrorNamingTheFile) {
  put(user() / "a:1/client.cert", "CERT");
  EXPECT_EQ(message_of([&] { host_certificates({user()}, "a:1"); }),
            "client certificate `" + (user() / "a:1/client.cert").string() +
                "`: no key `client.key` beside it (CA certificates end in .crt)");
  put(user() / "b:1/client.key", "KEY");
  EXPECT_EQ(message_of([&] { host_certificates({user()}, "b:1"); }),
            "client key `" + (user() / "b:1/client.key").string() +
                "`: no certificate `client.cert` beside it");
  for (const char* name : {"one", "two"}) {
    put(user() / "c:1" / (std::string(name) + ".cert"), "CERT");
    put(user() / "c:1" / (std::string(name) + ".key"), "KEY");
  }
  EXPECT_NE(message_of([&] {
              host_certificates({user()}, "c:1");
            }).find("several client certificates (one.cert, two.cert)"),
            std::string::npos);
}

}  // namespace gantry::registry

# Third-party libraries, all from Debian's -dev packages (scripts/deps.sh installs them).
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)                 # OpenSSL::Crypto, OpenSSL::SSL
find_package(LibArchive 3.6 REQUIRED)            # LibArchive::LibArchive
find_package(TBB 2021 CONFIG REQUIRED)           # TBB::tbb
find_package(yaml-cpp 0.7 CONFIG REQUIRED)       # plain `yaml-cpp` target before 0.8
find_package(fmt 9 CONFIG REQUIRED)              # fmt::fmt (g++ 12 has no <format>)
find_package(spdlog 1.10 CONFIG REQUIRED)        # spdlog::spdlog
find_package(GTest 1.12 CONFIG REQUIRED)         # GTest::gtest_main GTest::gmock
find_package(CLI11 2.1 CONFIG REQUIRED)          # CLI11::CLI11
find_package(nlohmann_json 3.11 CONFIG REQUIRED) # nlohmann_json::nlohmann_json
find_package(zstd 1.5 CONFIG REQUIRED)           # zstd::libzstd_shared
find_package(SQLite3 REQUIRED)                   # SQLite::SQLite3
find_package(CURL REQUIRED)                      # CURL::libcurl
find_package(PkgConfig REQUIRED)
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp>=2.5)  # PkgConfig::SECCOMP
# Debian's cpp-httplib is a split header and a shared library; its .pc gives the defines
# (CPPHTTPLIB_OPENSSL_SUPPORT, ...) the library was built with, which the header must see.
pkg_check_modules(CPPHTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib>=0.11)  # PkgConfig::CPPHTTPLIB

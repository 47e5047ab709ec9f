// A thin RAII wrapper over SQLite: one Database per process and root (safe to share between
// threads; each thread prepares its own Statements), prepared Statements with
// typed binds, and transactions. The database runs in WAL mode with a busy timeout, so several
// gantry processes can share one root: readers never block, writers wait for each other.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace gantry::cache {

class Statement;

class Database {
 public:
  explicit Database(const std::filesystem::path& file);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const std::string& sql);
  Statement prepare(std::string_view sql);
  std::int64_t changes() const { return sqlite3_changes64(db_); }

  // BEGIN IMMEDIATE ... COMMIT, rolled back when the scope ends without commit().
  class Transaction {
   public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();

   private:
    Database& db_;
    bool done_ = false;
  };

 private:
  void use_wal();
  friend class Statement;
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
};

class Statement {
 public:
  Statement(Statement&& o) noexcept;
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);

  bool step();  // true while there is a row
  void run();   // steps to completion
  void reset();

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  friend class Database;
  Statement(Database& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  Database* db_;
  sqlite3_stmt* stmt_;
};

}  // namespace gantry::cache

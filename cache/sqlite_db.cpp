#include "cache/sqlite_db.h"

#include <chrono>
#include <thread>

#include "base/error.h"

namespace gantry::cache {

namespace {
[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw Error(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
// Once, before the first connection: by default every connection sets up page-cache slots for
// 20 pages and a 120 KB lookaside up front, memory that is written (and so faulted in) whole
// before a short command has read anything. Allocated as used instead.
void configure_sqlite() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
    sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 128, 64);
    return true;
  }();
  (void)configured;
}

}  // namespace

Database::Database(const std::filesystem::path& file) : file_(file) {
  configure_sqlite();
  if (sqlite3_open_v2(file.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    fail(db_, "open metadata database `" + file.string() + "`");
  // Other gantry processes may hold the write lock for a while (a big commit): wait for them.
  sqlite3_busy_timeout(db_, 60000);
  use_wal();
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
  exec("PRAGMA mmap_size=268435456");  // pages read from the database file: no read() each
  // The last connection to close would checkpoint the WAL into the database and delete it,
  // with its fsyncs, at the end of every gantry command. Left alone, the WAL is read whole by
  // the next command's first connection (recovery), so it is kept short instead: a checkpoint
  // once it holds 100 pages, every few commands.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  exec("PRAGMA wal_autocheckpoint=100");
  exec("PRAGMA journal_size_limit=4194304");  // and a WAL file a big write grew is cut back
}

Database::~Database() { sqlite3_close_v2(db_); }

// Turning a new database to WAL needs it alone, and SQLite answers SQLITE_BUSY at once, without
// the busy handler, while another process opens the same new root: try again, as the busy
// timeout would.
void Database::use_wal() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int rc;
  while ((rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr)) == SQLITE_BUSY &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (rc != SQLITE_OK) fail(db_, "metadata database `" + file_.string() + "`: PRAGMA journal_mode=WAL");
}

void Database::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg ? msg : "unknown error";
    sqlite3_free(msg);
    // Named by its first words: a script (the schema) would make the message a page long.
    throw Error("metadata database `" + file_.string() + "`: " + sql.substr(0, sql.find_first_of("(\n", 1)) + ": " + text);
  }
}

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK)
    fail(db_, "metadata database: prepare `" + std::string(sql) + "`");
  return Statement(*this, stmt);
}

Database::Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Database::Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Database::Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

Statement::Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_->db_, "metadata database: bind");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK)
    fail(db_->db_, "metadata database: bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_->db_, "metadata database: bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_->db_, "metadata database");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
  auto p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

}  // namespace gantry::cache

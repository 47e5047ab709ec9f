// Parse throughput and memory of the Dockerfile parser, on a 10 MB synthetic Dockerfile (every
// instruction kind, continuations, JSON forms, heredocs) and a typical small one.
//
//   frontend_parse_bench                  the whole benchmark
//   frontend_parse_bench --memory FILE    read FILE, parse it once, report this process's RSS
//
// Memory is measured honestly: the synthetic file is written to disk first and parsed by a fresh
// process (this binary with --memory), so the peak RSS holds the process itself, the input as
// read from disk and the Ast, and nothing of the generator. Throughput is the best of several
// runs, by wall-clock time and by this thread's CPU time (the second is steadier on a busy host).
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>

#include "frontend/dockerfile/parser.h"

extern char** environ;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string synthetic(std::size_t size) {
  static const char* const kBlock =
      "FROM busybox:latest AS build\n"
      "ARG VERSION=1.2.3\n"
      "ENV PATH=/usr/local/bin:$PATH LANG=C.UTF-8\n"
      "LABEL org.opencontainers.image.title=\"bench\" version=${VERSION}\n"
      "WORKDIR /src\n"
      "COPY --chown=1000:1000 --chmod=0644 go.mod go.sum ./\n"
      "RUN --mount=type=cache,target=/root/.cache apt-get update && \\\n"
      "    apt-get install -y --no-install-recommends ca-certificates curl git && \\\n"
      "    rm -rf /var/lib/apt/lists/*\n"
      "# a comment between instructions\n"
      "RUN [\"/bin/sh\", \"-c\", \"make -j4 all\"]\n"
      "COPY <<EOF /etc/config.ini\n"
      "[main]\n"
      "key=value\n"
      "EOF\n"
      "EXPOSE 8080/tcp 9090\n"
      "HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost/ || exit 1\n"
      "USER app\n"
      "CMD [\"./server\", \"--port\", \"8080\"]\n\n";
  std::string out;
  out.reserve(size + 1024);
  while (out.size() < size) out += kBlock;
  return out;
}

const char* const kTypical =
    "# syntax=docker/dockerfile:1\n"
    "FROM golang:1.22 AS build\n"
    "WORKDIR /src\n"
    "COPY go.mod go.sum ./\n"
    "RUN go mod download\n"
    "COPY . .\n"
    "RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app\n"
    "FROM gcr.io/distroless/static\n"
    "COPY --from=build /out/app /app\n"
    "USER nonroot\n"
    "ENTRYPOINT [\"/app\"]\n";

// A "VmRSS:"-style field of /proc/self/status, in bytes.
double status_bytes(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(field))
      return std::strtod(line.c_str() + std::strlen(field), nullptr) * 1024;
  return 0;
}

// The whole file in a string of exactly its size (no growth, so no second copy).
std::string read_whole(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    std::perror(path);
    std::exit(1);
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      std::perror(path);
      std::exit(1);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return text;
}

int measure_memory(const char* path) {
  double baseline = status_bytes("VmRSS:");
  std::string text = read_whole(path);
  double input = static_cast<double>(text.size());
  double after_read = status_bytes("VmRSS:");
  std::size_t nodes = gantry::frontend::parse(std::move(text)).nodes().size();
  double peak = status_bytes("VmHWM:");
  std::printf(
      "memory (fresh process, file read from disk, parsed once): %zu instructions\n"
      "  peak RSS %.1f MB = %.2fx the %.1f MB input\n"
      "  = process %.1f MB + input as read %.1f MB + parsing %.1f MB (peak minus RSS after reading:"
      " %.2fx the input)\n",
      nodes, peak / kMiB, peak / input, input / kMiB, baseline / kMiB,
      (after_read - baseline) / kMiB, (peak - after_read) / kMiB, (peak - after_read) / input);
  return 0;
}

struct Timing {
  double wall = 1e9;
  double cpu = 1e9;
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  using gantry::frontend::parse;
  if (argc == 3 && std::strcmp(argv[1], "--memory") == 0) return measure_memory(argv[2]);
  if (argc != 1) {
    std::fprintf(stderr, "usage: %s [--memory FILE]\n", argv[0]);
    return 2;
  }

  char path[] = "/tmp/gantry-parse-bench-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) {
    std::perror("mkstemp");
    return 1;
  }
  {
    std::string text = synthetic(10 * 1024 * 1024);
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      std::perror(path);
      return 1;
    }
    ::close(fd);
  }

  // Memory first, in a fresh process.
  std::fflush(stdout);
  char memory_flag[] = "--memory";
  char* child_argv[] = {argv[0], memory_flag, path, nullptr};
  pid_t child = 0;
  int status = 0;
  if (posix_spawn(&child, "/proc/self/exe", nullptr, nullptr, child_argv, environ) != 0 ||
      ::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "memory measurement of %s failed\n", path);
    ::unlink(path);
    return 1;
  }

  const std::string input = read_whole(path);
  ::unlink(path);
  const double mb = static_cast<double>(input.size()) / kMiB;
  Timing best;
  std::size_t nodes = 0;
  for (int i = 0; i < 5; ++i) {
    std::string text = input;  // parse() takes ownership of its text
    auto start = std::chrono::steady_clock::now();
    double cpu_start = thread_cpu_seconds();
    auto ast = parse(std::move(text));
    best.cpu = std::min(best.cpu, thread_cpu_seconds() - cpu_start);
    best.wall = std::min(
        best.wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    nodes = ast.nodes().size();
  }
  std::printf(
      "synthetic: %.1f MB, %zu instructions, %.1f MB/s (wall), %.1f MB/s (cpu), best of 5\n", mb,
      nodes, mb / best.wall, mb / best.cpu);

  std::string typical = kTypical;
  const int rounds = 20000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) nodes += parse(typical).nodes().size();
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("typical: %zu bytes x %d, %.1f MB/s (%.1f us/parse)\n", typical.size(), rounds,
              static_cast<double>(typical.size()) * rounds / kMiB / t, t / rounds * 1e6);
  return 0;
}

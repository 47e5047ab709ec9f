// Parse throughput of the Dockerfile parser: a 10 MB synthetic Dockerfile generated here (every
// instruction kind, continuations, JSON forms, heredocs) and a typical small one parsed many
// times. Prints MB/s and the process's peak RSS.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "frontend/dockerfile/parser.h"

namespace {

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

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  using gantry::frontend::parse;
  constexpr std::size_t kSize = 10 * 1024 * 1024;
  double mb = 0;
  double best = 1e9;
  std::size_t nodes = 0;
  for (int i = 0; i < 3; ++i) {
    std::string text = synthetic(kSize);  // parse() takes ownership of its text
    mb = static_cast<double>(text.size()) / (1024 * 1024);
    auto start = std::chrono::steady_clock::now();
    auto ast = parse(std::move(text));
    best = std::min(best, seconds_since(start));
    nodes = ast.nodes().size();
  }
  std::printf("synthetic: %.1f MB, %zu instructions, %.1f MB/s\n", mb, nodes, mb / best);

  std::string typical = kTypical;
  const int rounds = 20000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) nodes += parse(typical).nodes().size();
  double t = seconds_since(start);
  std::printf("typical: %zu bytes x %d, %.1f MB/s (%.1f us/parse)\n", typical.size(), rounds,
              static_cast<double>(typical.size()) * rounds / (1024 * 1024) / t, t / rounds * 1e6);

  // Peak RSS: the 10 MB input (owned by the Ast) plus the Ast, plus the process itself.
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("peak RSS: %.1f MB (%.2fx the 10 MB input)\n", usage.ru_maxrss / 1024.0,
              usage.ru_maxrss / 1024.0 / mb);
  return 0;
}

// How the frontend's time grows on the large inputs that used to be quadratic or cubic: lowering
// 10,000 ENV (and ARG) lines, `${V//*b/c}`-style patterns over a long value, and a .dockerignore
// line of a thousand `*`. Each row is timed
// at size n and 4n: a ratio near 4 is linear, near 16 quadratic, near 64 cubic.
//
//   frontend_hostile_bench            n = 10,000 lines / 100,000 runes
//   frontend_hostile_bench SCALE      n multiplied by SCALE (e.g. 0.1 for a quick look)
//
// Times are this thread's CPU time, best of 3 (steadier than wall time on a shared machine).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>

#include "frontend/dockerfile/dockerignore.h"
#include "frontend/dockerfile/frontend.h"
#include "frontend/dockerfile/shell_lexer.h"

namespace {

using namespace gantry::frontend;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Best of 3 runs of `run`, in seconds.
double best_of_3(const std::function<void()>& run) {
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    double start = thread_cpu_seconds();
    run();
    best = std::min(best, thread_cpu_seconds() - start);
  }
  return best;
}

// A Dockerfile of `n` lines `<keyword> V<i>=x<i>` after FROM scratch, and one that reads the last.
std::string variable_lines(const char* keyword, std::size_t n) {
  std::string text = "FROM scratch\n";
  for (std::size_t i = 0; i < n; ++i)
    text += std::string(keyword) + " V" + std::to_string(i) + "=x" + std::to_string(i) + "\n";
  return text + "LABEL last=$V" + std::to_string(n - 1) + "\n";
}

// Lowering a Dockerfile of `n` such lines; the text is made before the timing.
std::function<void()> lower_lines(const char* keyword, std::size_t n) {
  return [dockerfile = variable_lines(keyword, n)] {
    BuildOptions options;
    options.dockerfile = dockerfile;
    BuildPlan plan = lower(options);
    if (plan.image_config["config"]["Labels"].empty()) std::abort();  // the result is used
  };
}

// Expanding `${V<op>}` with V = n times 'a'.
std::function<void()> expand_pattern(const std::string& op, std::size_t n) {
  return [op, n, env = ShellEnv{{"V", std::string(n, 'a')}}] {
    std::string out = ShellLexer().process_word("${V" + op + "}", env);
    if (out.size() > n + 1) std::abort();
  };
}

// A .dockerignore line of `n` stars and an `x`, matched against a 1,000-byte path it misses.
std::function<void()> match_stars(std::size_t n) {
  return [matcher = DockerignoreMatcher({std::string(n, '*') + "x"}), path = std::string(1000, 'a')] {
    if (matcher.excluded(path)) std::abort();
  };
}

struct Row {
  const char* name;
  std::size_t n;
  std::function<std::function<void()>(std::size_t)> input;  // the timed work at size n
};

}  // namespace

int main(int argc, char** argv) {
  double scale = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (argc > 2 || scale <= 0) {
    std::fprintf(stderr, "usage: %s [SCALE]\n", argv[0]);
    return 2;
  }
  auto lines = static_cast<std::size_t>(10000 * scale);
  auto runes = static_cast<std::size_t>(100000 * scale);
  auto stars = static_cast<std::size_t>(1000 * scale);  // 4n stays within a pattern's 4,096 bytes
  const Row rows[] = {
      {"ENV lines, lower()", lines, [](std::size_t n) { return lower_lines("ENV", n); }},
      {"ARG lines, lower()", lines, [](std::size_t n) { return lower_lines("ARG", n); }},
      {"${V//*b/c}, no match, runes", runes, [](std::size_t n) { return expand_pattern("//*b/c", n); }},
      {"${V//a*?b/c}, no match, runes", runes, [](std::size_t n) { return expand_pattern("//a*?b/c", n); }},
      {"${V%%*b}, no match, runes", runes, [](std::size_t n) { return expand_pattern("%%*b", n); }},
      {"${V##*a}, whole value, runes", runes, [](std::size_t n) { return expand_pattern("##*a", n); }},
      {"${V/a/b}, first rune, runes", runes, [](std::size_t n) { return expand_pattern("/a/b", n); }},
      {".dockerignore `*` x n + x, 1 KB path", std::min<std::size_t>(stars, 1000), match_stars},
  };
  std::printf("%-32s %10s %10s %10s %10s  %s\n", "input", "n", "time(n)", "time(4n)", "ratio", "(4 linear, 16 quadratic)");
  for (const Row& row : rows) {
    double t1 = best_of_3(row.input(row.n));
    double t4 = best_of_3(row.input(4 * row.n));
    std::printf("%-32s %10zu %8.1f ms %8.1f ms %10.1f\n", row.name, row.n, t1 * 1e3, t4 * 1e3,
                t1 > 0 ? t4 / t1 : 0.0);
  }
  return 0;
}

// Prints the sum of the squares 1..N, computed at run time, so the output proves the binary ran.
#include <cstdlib>
#include <iostream>
#include <numeric>
#include <ranges>

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 5;
  auto squares = std::views::iota(1, n + 1) | std::views::transform([](int i) { return i * i; });
  const long sum = std::accumulate(squares.begin(), squares.end(), 0L);
  std::cout << "c++ says: sum of squares 1.." << n << " = " << sum << "\n";
}

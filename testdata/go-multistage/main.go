// Prints the first N primes, computed at run time, so the output proves the binary ran.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	n := 5
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			n = v
		}
	}
	var primes []string
	for c := 2; len(primes) < n; c++ {
		prime := true
		for d := 2; d*d <= c; d++ {
			if c%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			primes = append(primes, strconv.Itoa(c))
		}
	}
	fmt.Printf("go says: first %d primes: %s\n", n, strings.Join(primes, " "))
}

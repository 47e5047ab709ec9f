# Builds of the whole tree for finding bugs, each in a build dir of its own:
#   -DGANTRY_SANITIZE=address,undefined   every target under ASan and UBSan (make test runs the
#                                         unit tests so; any compiler)
#   -DGANTRY_FUZZ=ON                      the libFuzzer targets in fuzz/, with every library
#                                         instrumented for coverage (clang only; ASan and UBSan
#                                         unless GANTRY_SANITIZE says otherwise). scripts/fuzz.sh
#                                         configures, builds and runs them.
set(GANTRY_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined")
option(GANTRY_FUZZ "Build the fuzz/ targets, with every library instrumented for libFuzzer (clang)" OFF)

if(GANTRY_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GANTRY_FUZZ needs clang (configure with CXX=clang++)")
  endif()
  if(NOT GANTRY_SANITIZE)
    set(GANTRY_SANITIZE address,undefined)
  endif()
  # Coverage feedback in every library, not only in the target's own file: libFuzzer can only
  # steer by the branches it sees.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(GANTRY_SANITIZE)
  # A UBSan finding fails the test (or the fuzz run) instead of scrolling past; frame pointers
  # make ASan's stacks whole.
  add_compile_options(-fsanitize=${GANTRY_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${GANTRY_SANITIZE})
  # UBSan's vptr check cannot follow objects that TBB's flow graph (the solver's scheduler)
  # makes inside libtbb, which is not instrumented: it reports its own tasks as having an
  # invalid vptr. Every other UBSan check stays.
  if(GANTRY_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize=vptr)
  endif()
endif()

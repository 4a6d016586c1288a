/* harness.h: a tiny test harness in the spirit of clar and cmark's api_test.
 *
 * A test file is a list of behaviours: `static void name(void)` functions, each
 * named for what it pins down, run from main() by RUN(name). CHECK-style macros
 * record a failure with its line and carry on, so one run shows every broken
 * expectation; REQUIRE stops the test at the first failure (use it where the
 * rest of the test would only crash or cascade) and prints rg_last_error().
 *
 * Every RUN(name) line is also a ctest entry, unit/<file>/<name>:
 * tests/CMakeLists.txt reads the RUN lines with a regex, and the binary run
 * with a test name runs that test alone (with none it runs all of them). So
 * adding a test means writing it and its RUN line, never editing CMake.
 *
 *   int main(int argc, char **argv)
 *   {
 *       TEST_MAIN_BEGIN(argc, argv);
 *       RUN(truncated_gzip_is_an_error_naming_the_byte_offset);
 *       TEST_MAIN_END();
 *   }
 */
#ifndef RG_TEST_HARNESS_H
#define RG_TEST_HARNESS_H

#include "refgraph.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

static int rg_test_failures;
static const char *rg_test_current = "";
static const char *rg_test_only; /* the one test to run; NULL runs all */
static int rg_test_ran;
/* Where a failed REQUIRE jumps: the end of the current RUN. A longjmp, not a
 * return, so that REQUIRE also works inside helpers that return values. */
static jmp_buf rg_test_stop;

#define RG_TEST_FAIL_(...)                                                            \
    do {                                                                              \
        fprintf(stderr, __VA_ARGS__);                                                 \
        rg_test_failures++;                                                           \
    } while (0)

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond))                                                                  \
            RG_TEST_FAIL_("%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__,        \
                          rg_test_current, #cond);                                    \
    } while (0)

/* Stops the test: for preconditions the rest of the test depends on. The last
 * library error is printed since it is usually the reason. */
#define REQUIRE(cond)                                                                 \
    do {                                                                              \
        if (!(cond)) {                                                                \
            RG_TEST_FAIL_("%s:%d: %s: REQUIRE(%s) failed; rg_last_error(): \"%s\"\n", \
                          __FILE__, __LINE__, rg_test_current, #cond, rg_last_error()); \
            longjmp(rg_test_stop, 1);                                                 \
        }                                                                             \
    } while (0)

/* REQUIRE(call == RG_OK), naming the code the call returned. */
#define REQUIRE_OK(call)                                                              \
    do {                                                                              \
        int rc_ = (int)(call);                                                        \
        if (rc_ != RG_OK) {                                                           \
            RG_TEST_FAIL_("%s:%d: %s: %s returned %d; rg_last_error(): \"%s\"\n",     \
                          __FILE__, __LINE__, rg_test_current, #call, rc_,            \
                          rg_last_error());                                           \
            longjmp(rg_test_stop, 1);                                                 \
        }                                                                             \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                            \
    do {                                                                              \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                              \
        if (a_ != b_)                                                                 \
            RG_TEST_FAIL_("%s:%d: %s: %s == %" PRIu64 ", expected %" PRIu64 "\n",     \
                          __FILE__, __LINE__, rg_test_current, #a, a_, b_);           \
    } while (0)

#define CHECK_STR(a, b)                                                               \
    do {                                                                              \
        const char *a_ = (a), *b_ = (b);                                              \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                        \
            RG_TEST_FAIL_("%s:%d: %s: %s == \"%s\", expected \"%s\"\n", __FILE__,     \
                          __LINE__, rg_test_current, #a, a_ ? a_ : "(null)",          \
                          b_ ? b_ : "(null)");                                        \
    } while (0)

/* Substring check, for error messages. */
#define CHECK_CONTAINS(hay, needle)                                                   \
    do {                                                                              \
        const char *h_ = (hay), *n_ = (needle);                                       \
        if (!h_ || !strstr(h_, n_))                                                   \
            RG_TEST_FAIL_("%s:%d: %s: \"%s\" does not contain \"%s\"\n", __FILE__,    \
                          __LINE__, rg_test_current, h_ ? h_ : "(null)", n_);         \
    } while (0)

/* argv[1], when given, names the one test to run (ctest passes it). */
#define TEST_MAIN_BEGIN(argc, argv)                                                   \
    do {                                                                              \
        if ((argc) > 2 || ((argc) == 2 && (argv)[1][0] == '-')) {                     \
            fprintf(stderr, "usage: %s [TEST_NAME]\n", (argv)[0]);                    \
            return 2;                                                                 \
        }                                                                             \
        rg_test_only = (argc) == 2 ? (argv)[1] : NULL;                                \
    } while (0)

#define RUN(test)                                                                     \
    do {                                                                              \
        if (rg_test_only && strcmp(rg_test_only, #test) != 0)                         \
            break;                                                                    \
        rg_test_current = #test;                                                      \
        rg_test_ran++;                                                                \
        int before_ = rg_test_failures;                                               \
        if (setjmp(rg_test_stop) == 0)                                                \
            test();                                                                   \
        printf("%s %s\n", rg_test_failures == before_ ? "ok  " : "FAIL", #test);      \
    } while (0)

/* A name that matches no test is a failure, so a renamed test cannot leave a
 * ctest entry behind that passes by running nothing. */
#define TEST_MAIN_END()                                                               \
    do {                                                                              \
        if (rg_test_ran == 0) {                                                       \
            fprintf(stderr, "no test named %s\n", rg_test_only ? rg_test_only : "");  \
            return 2;                                                                 \
        }                                                                             \
        printf("%d failure%s\n", rg_test_failures, rg_test_failures == 1 ? "" : "s"); \
        return rg_test_failures ? 1 : 0;                                              \
    } while (0)

#endif

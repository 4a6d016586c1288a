/* harness.h: a tiny test harness in the spirit of clar: CHECK records a
 * failure with its line and carries on; a test file's main() returns the
 * failure count, so ctest shows each file as one pass/fail. */
#ifndef RG_TEST_HARNESS_H
#define RG_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int rg_test_failures;
static const char *rg_test_current = "";

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__,      \
                    rg_test_current, #cond);                                          \
            rg_test_failures++;                                                       \
        }                                                                             \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                            \
    do {                                                                              \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                              \
        if (a_ != b_) {                                                               \
            fprintf(stderr, "%s:%d: %s: %s == %" PRIu64 ", expected %" PRIu64 "\n",   \
                    __FILE__, __LINE__, rg_test_current, #a, a_, b_);                 \
            rg_test_failures++;                                                       \
        }                                                                             \
    } while (0)

#define CHECK_STR(a, b)                                                               \
    do {                                                                              \
        const char *a_ = (a), *b_ = (b);                                              \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                      \
            fprintf(stderr, "%s:%d: %s: %s == \"%s\", expected \"%s\"\n", __FILE__,   \
                    __LINE__, rg_test_current, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
            rg_test_failures++;                                                       \
        }                                                                             \
    } while (0)

/* Substring check, for error messages. */
#define CHECK_CONTAINS(hay, needle)                                                   \
    do {                                                                              \
        const char *h_ = (hay), *n_ = (needle);                                       \
        if (!h_ || !strstr(h_, n_)) {                                                 \
            fprintf(stderr, "%s:%d: %s: \"%s\" does not contain \"%s\"\n", __FILE__,  \
                    __LINE__, rg_test_current, h_ ? h_ : "(null)", n_);               \
            rg_test_failures++;                                                       \
        }                                                                             \
    } while (0)

#define RUN(test)                                                                     \
    do {                                                                              \
        rg_test_current = #test;                                                      \
        int before_ = rg_test_failures;                                               \
        test();                                                                       \
        printf("%s %s\n", rg_test_failures == before_ ? "ok  " : "FAIL", #test);      \
    } while (0)

#define TEST_MAIN_END()                                                               \
    do {                                                                              \
        printf("%d failure%s\n", rg_test_failures, rg_test_failures == 1 ? "" : "s"); \
        return rg_test_failures ? 1 : 0;                                              \
    } while (0)

#endif

/* test_harness.c: the harness every C test relies on (harness.h) does what it
 * promises: CHECK records and carries on, REQUIRE stops the test and shows
 * rg_last_error() with file and line, and a test name that matches nothing
 * fails instead of passing by running nothing. */
#include "harness.h"
#include "refgraph.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self;
static int reached_after;

/* Runs `body` as if it were a test, with stderr captured into `out`; returns
 * the failures it recorded (and takes them back off the real count). */
static int run_captured(void (*body)(void), char *out, size_t cap)
{
    FILE *tmp = tmpfile();
    REQUIRE(tmp != NULL);
    fflush(stderr);
    int saved_fd = dup(fileno(stderr));
    REQUIRE(saved_fd >= 0);
    REQUIRE(dup2(fileno(tmp), fileno(stderr)) >= 0);

    jmp_buf outer;
    memcpy(outer, rg_test_stop, sizeof outer);
    int before = rg_test_failures;
    reached_after = 0;
    if (setjmp(rg_test_stop) == 0)
        body();
    memcpy(rg_test_stop, outer, sizeof outer);
    int recorded = rg_test_failures - before;
    rg_test_failures = before;

    fflush(stderr);
    dup2(saved_fd, fileno(stderr));
    close(saved_fd);
    rewind(tmp);
    size_t n = fread(out, 1, cap - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return recorded;
}

static void failing_require_after_a_library_error(void)
{
    rg_builder *b = NULL;
    rg_snapshot *s = NULL;
    if (rg_builder_new(&b) != RG_OK || rg_builder_finish(b, &s) != RG_OK)
        return;
    rg_node n;
    int rc = rg_node_find(s, 4242, &n); /* sets rg_last_error() */
    rg_snapshot_free(s);
    REQUIRE(rc == RG_OK);
    reached_after = 1;
}

static void two_failing_checks(void)
{
    CHECK(1 == 2);
    CHECK_STR("a", "b");
    reached_after = 1;
}

static void failing_require_ok(void)
{
    REQUIRE_OK(rg_snapshot_open("/nonexistent/harness.jsonl", NULL, &(rg_snapshot *){NULL}));
    reached_after = 1;
}

static void require_stops_the_test_and_prints_the_last_error_with_file_and_line(void)
{
    char out[2048];
    CHECK_EQ_U64(run_captured(failing_require_after_a_library_error, out, sizeof out), 1);
    CHECK(!reached_after);
    CHECK_CONTAINS(out, "test_harness.c:");
    CHECK_CONTAINS(out, "REQUIRE(rc == RG_OK) failed");
    CHECK_CONTAINS(out, "no object with id 4242");
}

static void require_ok_names_the_call_and_its_code(void)
{
    char out[2048];
    CHECK_EQ_U64(run_captured(failing_require_ok, out, sizeof out), 1);
    CHECK(!reached_after);
    CHECK_CONTAINS(out, "rg_snapshot_open(\"/nonexistent/harness.jsonl\"");
    CHECK_CONTAINS(out, "returned -");
    CHECK_CONTAINS(out, "/nonexistent/harness.jsonl");
}

static void check_records_each_failure_and_carries_on(void)
{
    char out[2048];
    CHECK_EQ_U64(run_captured(two_failing_checks, out, sizeof out), 2);
    CHECK(reached_after);
    CHECK_CONTAINS(out, "CHECK(1 == 2) failed");
    CHECK_CONTAINS(out, "expected \"b\"");
}

static int exit_status_of(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>&1", self, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void unknown_test_name_fails_instead_of_running_nothing(void)
{
    CHECK_EQ_U64(exit_status_of("no_such_test"), 2);
    CHECK_EQ_U64(exit_status_of("check_records_each_failure_and_carries_on"), 0);
    CHECK_EQ_U64(exit_status_of("--bogus-option"), 2);
}

int main(int argc, char **argv)
{
    self = argv[0];
    TEST_MAIN_BEGIN(argc, argv);
    RUN(require_stops_the_test_and_prints_the_last_error_with_file_and_line);
    RUN(require_ok_names_the_call_and_its_code);
    RUN(check_records_each_failure_and_carries_on);
    RUN(unknown_test_name_fails_instead_of_running_nothing);
    TEST_MAIN_END();
}

"""A test suite that keeps every TestCase instance, and its fixtures, after it ran.

Source: bpo-11798, "Test cases not garbage collected after run",
https://bugs.python.org/issue11798 -- a TestSuite kept references to all its
TestCase instances until the whole run ended, so everything a test stored on self
in setUp() stayed alive; large test runs ran out of memory. Python 3.4 made
TestSuite.run() drop each test after running it, unless the suite's `_cleanup`
is False; this runner sets that, as suites did before the fix.

What leaks: per round, one more module's worth of tests (--tests TestReports
instances) runs inside the run's top-level suite `all_tests`, and each instance
keeps the ReportFixture its setUp() made (a list of 32 row tuples). Expected
answer: `__main__.TestReports`, held by the TestSuite's `_tests` lists.

Run:  python3 examples/realworld/unittest_suite.py [--rounds N] [--tests N]
"""
import io
import unittest

import rounds


class ReportFixture:
    def __init__(self, n):
        self.n = n
        self.rows = [(i, "customer %d" % i, i * 1.5) for i in range(32)]


class TestReports(unittest.TestCase):
    made = 0

    def setUp(self):
        TestReports.made += 1
        self.fixture = ReportFixture(TestReports.made)

    def test_report(self):
        self.assertEqual(len(self.fixture.rows), 32)


class KeepingSuite(unittest.TestSuite):
    _cleanup = False   # TestSuite before bpo-11798: tests are kept after they ran


all_tests = KeepingSuite()


def module_suite(count):
    suite = KeepingSuite()
    for _ in range(count):
        suite.addTest(TestReports("test_report"))
    return suite


def main():
    a = rounds.parse(__doc__, "tests", 300, "tests run per round")
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0)._makeResult()
    n = 0
    for r in range(a.rounds):
        suite = module_suite(a.tests)
        all_tests.addTest(suite)
        suite.run(result)
        n += a.tests
        rounds.snapshot(r)
    print("tests", result.testsRun, "failures", len(result.failures) + len(result.errors), flush=True)


if __name__ == "__main__":
    main()

"""Unit tests of the grader's judging, on made-up output (no emulator).

    make grade-selfcheck
    (python3 -m unittest discover -s grade -p 'test_*.py')
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from judge import QUIET, Judge  # noqa: E402
from testlib import (Test, equals, exit_, expect, expect_all,  # noqa: E402
                     send)


def judge(steps, **kw):
    return Judge(Test("t", steps, **kw))


class JudgeTest(unittest.TestCase):

    def test_steps_match_in_order(self):
        j = judge([expect(r"^a$"), expect(r"^b$")])
        j.feed("b\na\n", 0)
        self.assertIsNone(j.verdict)        # b came before a
        j.feed("b\n", 0)
        self.assertEqual(j.verdict, "PASS")

    def test_output_split_anywhere(self):
        j = judge([expect(r"^smp: 4 CPUs online$")])
        for c in "smp: 4 CPUs on":
            j.feed(c, 0)
        self.assertIsNone(j.verdict)
        j.feed("line\r\n", 0)
        self.assertEqual(j.verdict, "PASS")

    def test_unfinished_line_waits_for_quiet(self):
        j = judge([expect(r"ticks on (\d+)", equals(12))])
        j.feed("ticks on 1", 0)
        self.assertIsNone(j.verdict)        # may still become 12
        j.feed("2", 0.1)
        j.idle(0.1 + QUIET)
        self.assertEqual(j.verdict, "PASS")

    def test_prompt_accepted_after_quiet_then_send(self):
        j = judge([expect(r"^K> "), send("help\r"), expect(r"^kerninfo")])
        self.assertEqual(j.feed("hello\nK> ", 1.0), [])
        self.assertEqual(j.idle(1.0 + QUIET), ["help\r"])
        j.feed("help\nkerninfo  show\n", 2.0)
        self.assertEqual(j.verdict, "PASS")

    def test_reject_wins_over_a_match_in_the_same_output(self):
        j = judge([expect(r"^K> ")])
        j.feed("kernel panic on cpu 0 at a.c:1: oops\nK> \n", 0)
        self.assertEqual(j.verdict, "FAIL")
        self.assertIn("rejected /kernel panic/", j.reason)
        self.assertIn("a.c:1: oops", j.reason)

    def test_reject_split_across_reads(self):
        j = judge([expect(r"^never")])
        j.feed("kernel pa", 0)
        j.feed("nic at x\n", 0)
        self.assertEqual(j.verdict, "FAIL")

    def test_reject_line_completed_after_verdict(self):
        j = judge([expect(r"^never")])
        j.feed("kernel panic at a.c:1: o", 0)
        j.feed("ops\n", 0)                  # the runner lingers
        self.assertTrue(j.reason.endswith("a.c:1: oops"))

    def test_allow_drops_a_default_reject(self):
        j = judge([expect(r"#DF"), expect(r"kernel panic")],
                  allow=[r"kernel panic"])
        j.feed("trap: vector 8 (#DF)\nkernel panic at t.c:2\n", 0)
        self.assertEqual(j.verdict, "PASS")

    def test_check_failure_fails_at_once(self):
        j = judge([expect(r"^smp: (\d+) CPUs", equals(4))])
        j.feed("smp: 2 CPUs online\n", 0)
        self.assertEqual(j.verdict, "FAIL")
        self.assertIn("got 2, want 4", j.reason)

    def test_expect_all_any_order(self):
        j = judge([expect_all(r"^b", r"^a"), expect(r"^c")])
        j.feed("a\nb\n", 0)
        self.assertIsNone(j.verdict)
        j.feed("c\n", 0)
        self.assertEqual(j.verdict, "PASS")

    def test_timeout_names_the_missing_step(self):
        j = judge([expect(r"^a"), expect_all(r"^b", r"^c")])
        j.feed("a\nc\n", 0)
        j.timed_out(60)
        self.assertEqual(j.verdict, "FAIL")
        self.assertIn("step 2/2", j.reason)
        self.assertIn("/^b/", j.reason)
        self.assertNotIn("/^c/", j.reason)

    def test_exit_step(self):
        j = judge([expect(r"^rebooting"), exit_()])
        j.feed("rebooting\n", 0)
        self.assertIsNone(j.verdict)
        j.exited("qemu exited")
        self.assertEqual(j.verdict, "PASS")

    def test_early_exit_fails(self):
        j = judge([expect(r"^K> ")])
        j.feed("booting\n", 0)
        j.exited("qemu exited (status 0)")
        self.assertEqual(j.verdict, "FAIL")
        self.assertIn("qemu exited", j.reason)


class TestDefinitionTest(unittest.TestCase):

    def test_bad_definitions_are_refused(self):
        with self.assertRaises(ValueError):
            Test("bad name", [expect("x")])
        with self.assertRaises(ValueError):
            Test("t", [("expect",)])
        with self.assertRaises(ValueError):
            Test("t", [send("x")], emulator="bochs")
        with self.assertRaises(ValueError):
            Test("t", [expect("x")], allow=["not a default"])

    def test_suite_loads(self):
        import tests
        names = [t.name for t in tests.TESTS]
        self.assertEqual(len(names), len(set(names)), "duplicate names")


if __name__ == "__main__":
    unittest.main()

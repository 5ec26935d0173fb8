"""Judging one test's serial output, independent of any emulator.

The runner feeds output as it arrives and tells the judge about time passing,
the emulator exiting and the deadline; the judge walks the test's steps and
reaches a verdict (PASS or FAIL and why) as soon as one is certain. It also
says what to type into the guest when a send step comes up.
"""

import re

from testlib import describe_step

# A match that ends exactly at the end of an unfinished line may still grow
# (r"ticks on \d+" against "ticks on 1" of "ticks on 12"): it counts only once
# the line ends or the output has been quiet this long (a prompt never ends
# its line).
QUIET = 0.3


class Judge:
    """The state of one test run; verdict is None until it is decided."""

    def __init__(self, test):
        self.test = test
        self.rejects = [re.compile(r, re.M) for r in test.reject]
        self.out = ""           # serial output so far, '\r' removed
        self.pos = 0            # the next step searches from here
        self.step = 0           # index of the next step
        self.scan_from = 0      # rejects scanned up to here (a line start)
        self.last_data = 0.0    # when output last arrived
        self.seen = {}          # expect_all: regex index -> match end
        self.verdict = None     # None, "PASS" or "FAIL"
        self._reason = ""       # why it failed
        self._culprit = None    # (pattern, position) of a rejected line

    @property
    def reason(self):
        """Why the run failed. A rejected line is quoted whole as far as
        the output goes now (the runner reads a little past the verdict
        so that a panic message is complete)."""
        if self._culprit:
            pattern, pos = self._culprit
            return "rejected /%s/ in output: %s" % (pattern,
                                                    self._line_at(pos))
        return self._reason

    def feed(self, text, now):
        """Take new output; returns the texts to send to the guest. After
        the verdict, output is only kept (for the report)."""
        self.out += text.replace("\r", "")
        self.last_data = now
        if self.verdict is not None:
            return []
        self._scan_rejects()
        return self._advance(now)

    def idle(self, now):
        """Time passed without output; returns the texts to send."""
        return self._advance(now)

    def exited(self, how):
        """The emulator exited; how says with what status and why."""
        if self.verdict is None and self._current() == ("exit",):
            self.step += 1
            self._advance(float("inf"))
        if self.verdict is None:
            self._fail("%s, %s" % (how, self._waiting_for()))

    def timed_out(self, seconds):
        """The test's deadline passed."""
        if self.verdict is None:
            self._fail("timeout (%g s), %s" % (seconds, self._waiting_for()))

    def abort(self, why):
        """Stopped from outside (Ctrl-C, the emulator could not start)."""
        if self.verdict is None:
            self._fail(why)

    # -- internals --

    def _current(self):
        steps = self.test.steps
        return steps[self.step] if self.step < len(steps) else None

    def _waiting_for(self):
        step = self._current()
        if step is None:
            return "after the last step"
        n = len(self.test.steps)
        what = describe_step(step)
        if step[0] == "expect_all":
            missing = [r.pattern for i, r in enumerate(step[1])
                       if i not in self.seen]
            what = "expect all of (missing: %s)" % ", ".join(
                "/%s/" % p for p in missing)
        return "step %d/%d not met: %s" % (self.step + 1, n, what)

    def _fail(self, reason):
        self.verdict = "FAIL"
        self._reason = reason

    def _scan_rejects(self):
        """Look for reject patterns in the lines not yet scanned (the last,
        unfinished line is scanned again next time)."""
        for r in self.rejects:
            m = r.search(self.out, self.scan_from)
            if m and self.verdict is None:
                self._fail("rejected")
                self._culprit = (r.pattern, m.start())
        self.scan_from = self.out.rfind("\n") + 1

    def _line_at(self, i):
        start = self.out.rfind("\n", 0, i) + 1
        end = self.out.find("\n", i)
        return self.out[start:end if end >= 0 else len(self.out)].strip()

    def _settled(self, end, now):
        """Whether a match ending at end can no longer change."""
        if end < len(self.out) or self.out.endswith("\n"):
            return True
        return now - self.last_data >= QUIET

    def _advance(self, now):
        """Walk as many steps as the output allows; returns texts to send."""
        sends = []
        while self.verdict is None:
            step = self._current()
            if step is None:
                self.verdict = "PASS"
                break
            kind = step[0]
            if kind == "send":
                sends.append(step[1])
                self.step += 1
            elif kind == "exit":
                break
            elif kind == "expect":
                if not self._expect(step, now):
                    break
            elif not self._expect_all(step, now):
                break
        return sends

    def _expect(self, step, now):
        _, regex, check = step
        m = regex.search(self.out, self.pos)
        if not m or not self._settled(m.end(), now):
            return False
        if check is not None:
            try:
                err = check(m)
            except Exception as e:  # a bug in the test's own check
                err = "the check raised %s: %s" % (type(e).__name__, e)
            if err is False:
                err = "check failed"
            if err not in (None, True):
                n = len(self.test.steps)
                self._fail("step %d/%d: /%s/ matched '%s' but %s"
                           % (self.step + 1, n, regex.pattern,
                              self._line_at(m.start()), err))
                return False
        self.pos = m.end()
        self.step += 1
        return True

    def _expect_all(self, step, now):
        for i, regex in enumerate(step[1]):
            if i in self.seen:
                continue
            m = regex.search(self.out, self.pos)
            if m and self._settled(m.end(), now):
                self.seen[i] = m.end()
        if len(self.seen) < len(step[1]):
            return False
        self.pos = max(self.seen.values())
        self.seen = {}
        self.step += 1
        return True

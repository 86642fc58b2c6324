"""The late submission plugin --late configures: nbgrader asks it for each notebook's penalty.

nbgrader_config.py names it (`c.AssignLatePenalties.plugin_class =
"autograder.collect.plugin.LatePenalty"`, written by late.write_policy), so
nbgrader's autograde in the grading workers and export (late.apply_penalties)
load it. It sits apart from late.py because it imports nbgrader, which collect
itself never needs to.
"""

from nbgrader.plugins.latesubmission import LateSubmissionPlugin
from traitlets import Enum, Float

from .late import describe, penalty


class LatePenalty(LateSubmissionPlugin):
    """A late penalty per started hour or day, a share of the notebook's score, capped."""

    penalty_method = Enum(
        ("none", "zero", "per_hour", "per_day"),
        default_value="none",
        help="none, zero (the whole score), per_hour or per_day (`percent` per started unit)",
    ).tag(config=True)
    percent = Float(0.0, help="percent of the score taken per started hour or day").tag(config=True)
    cap = Float(100.0, help="the most percent of the score taken").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return penalty(self.penalty_method, self.percent, self.cap, score, total_seconds_late)

    def policy_text(self):
        """What this plugin will do, in words (late.policy_text asks for it)."""
        return describe(self.penalty_method, self.percent, self.cap)

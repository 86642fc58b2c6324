"""Hand grading in nbgrader's formgrader, end to end, on the class graded (tests/classroom.py).

A copy of the graded course is opened as the README tells instructors to
("Grading the inline questions by hand"): `jupyter lab` started in the course
folder, nbgrader's formgrader extension loaded from the environment. The test
then does what the Manual Grading page does in a browser: it logs in with the
token (a login cookie and an `_xsrf` cookie), lists a notebook's submissions,
opens one, reads its grades and comments and saves a score and a comment on an
inline question and a score on an autograded cell (PUT, with the `_xsrf`
cookie in `X-CSRFToken`, as the page's Backbone models send them). Then
`feedback`, `report` and `export` run on the course, the server still up as it
would be, and each must carry what the TA gave.

The server listens on 127.0.0.1 only, on a port the system picks, with a token
of its own; its Jupyter folders are the test's, and its process group is killed
whatever happens.
"""

import csv
import html
import http.cookiejar
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest

from autograder.export import export
from autograder.feedback import feedback
from autograder.grade.results import read_result
from autograder.report import report

pytestmark = [pytest.mark.feedback, pytest.mark.export, pytest.mark.slow]

#: The student, the inline question and the autograded cell the TA grades by hand.
STUDENT = "solution"
NOTEBOOK = "ConvolutionalNetworks"
QUESTION = "inline_question_fast_layers"
OVERRIDDEN = "correct_conv_forward_naive"
#: What the TA types: the page sends a score as the text of its input box.
SCORE = "1.5"
COMMENT = "Name the <b>BLAS</b> call."
#: Seconds the server may take to start (about 6 here, on a busy machine more).
START_TIMEOUT = 90


@dataclass
class Formgrader:
    """A running Jupyter server with the formgrader, and a browser's cookies for it."""

    url: str
    token: str
    process: subprocess.Popen
    log: object  # the server's log file (a Path)

    def __post_init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # loopback only, whatever *_proxy says
            urllib.request.HTTPCookieProcessor(self.cookies),
        )

    def request(self, path, method="GET", body=None, xsrf=True):
        """(status, text) of a request sent as the formgrader's page sends it."""
        headers = {}
        cookie = next((c.value for c in self.cookies if c.name == "_xsrf"), None)
        if xsrf and cookie:
            headers["X-CSRFToken"] = cookie
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def json(self, path, method="GET", body=None):
        status, text = self.request(path, method, body)
        assert status == 200, f"{method} {path}: {status}\n{text[:2000]}"
        return json.loads(text)


def _stop(process):
    """End the server's process group: SIGTERM (it shuts down cleanly), then SIGKILL."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    try:  # whatever is left of the group (the server's children)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


@pytest.fixture
def formgrader(graded_copy, tmp_path):
    """`jupyter lab` in a copy of the graded course, as the README says; stopped after."""
    jupyter = tmp_path / "jupyter"
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(jupyter / "config"),
        JUPYTER_DATA_DIR=str(jupyter / "data"),
        JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
    )
    token = secrets.token_hex(24)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root"),
                *("--ip=127.0.0.1", "--port=0", "--port-retries=0"),
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={graded_copy}",
            ],
            cwd=graded_copy,  # nbgrader reads nbgrader_config.py from here
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one
        )
    try:
        # The server writes its port into jpserver-<pid>.json once it listens.
        info = jupyter / "runtime" / f"jpserver-{process.pid}.json"
        deadline = time.monotonic() + START_TIMEOUT
        port = None
        while port is None:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Jupyter server did not start:\n{log.read_text()[-3000:]}")
            try:
                port = json.loads(info.read_text())["port"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        yield Formgrader(f"http://127.0.0.1:{port}", token, process, log)
    finally:
        _stop(process)


def _section(text, start, end):
    """The part of `text` from `start` to the first `end` after it."""
    at = text.index(start)
    return text[at : text.index(end, at)]


def test_hand_grades_given_in_the_formgrader_reach_feedback_report_and_export(
    formgrader, graded_copy
):
    """After a TA scores and comments an inline question and changes an autograded cell's score
    on the formgrader's Manual Grading page, do the feedback page (score, comment, total), the
    class report (no longer pending), grades.csv and Gradescope's results.json carry them?"""
    fg = formgrader
    # Log in as the browser does: the token once, then the login and _xsrf cookies.
    status, _ = fg.request(f"/formgrader/?token={fg.token}")
    assert status == 200
    assert {c.name for c in fg.cookies} >= {"_xsrf"}
    # Manual Grading: the notebook's submissions, then the student's.
    listed = fg.json(f"/formgrader/api/submitted_notebooks/convnets/{NOTEBOOK}")
    submission = next(s["id"] for s in listed if s["student"] == STUDENT)
    status, page = fg.request(f"/formgrader/submissions/{submission}/")
    assert status == 200, page[:2000]  # the notebook nbgrader kept, shown to grade
    assert QUESTION in page
    grades = {g["name"]: g for g in fg.json(f"/formgrader/api/grades?submission_id={submission}")}
    comments = {
        c["name"]: c for c in fg.json(f"/formgrader/api/comments?submission_id={submission}")
    }
    question, overridden = grades[QUESTION], grades[OVERRIDDEN]
    assert question["cell_type"] == "markdown"
    assert question["needs_manual_grade"]
    assert question["manual_score"] is None
    assert overridden["cell_type"] == "code"
    assert overridden["auto_score"] is not None
    # Without the _xsrf header a save is refused: this is the page's path, not a bypass.
    status, _ = fg.request(
        f"/formgrader/api/grade/{question['id']}", "PUT", {**question, "manual_score": SCORE}, False
    )
    assert status == 403
    # The page saves the whole model, the score as the text typed in its box.
    saved = fg.json(
        f"/formgrader/api/grade/{question['id']}", "PUT", {**question, "manual_score": SCORE}
    )
    assert saved["manual_score"] == float(SCORE)
    assert not saved["needs_manual_grade"]
    override = overridden["max_score"] / 2
    fg.json(
        f"/formgrader/api/grade/{overridden['id']}",
        "PUT",
        {**overridden, "manual_score": f"{override:g}"},
    )
    comment = comments[QUESTION]
    saved = fg.json(
        f"/formgrader/api/comment/{comment['id']}", "PUT", {**comment, "manual_comment": COMMENT}
    )
    assert saved["manual_comment"] == COMMENT

    # The verbs, with the formgrader still open.
    quiet = lambda line: None  # noqa: E731
    result = read_result(graded_copy, STUDENT)
    cell = next(c for c in result.cells if c.grade_id == OVERRIDDEN)
    auto = round(result.points - cell.points + override, 6)
    total = round(auto + float(SCORE), 6)
    worth = question["max_score"]

    text = feedback(graded_copy, students=[STUDENT], log=quiet).pages[STUDENT].read_text()
    header = _section(text, "<table class='totals'>", "</table>")
    assert f"<td class='num'>{total:g} / " in header
    assert f"<strong>{auto:g} / {result.max_points:g}</strong>" in header
    assert f"<td class='num'>{float(SCORE):g} / {worth:g}</td>" in header
    answered = _section(text, f"id='{NOTEBOOK}-{QUESTION}'", "</section>")
    assert f"{float(SCORE):g} / {worth:g}" in answered
    assert html.escape(COMMENT) in answered
    assert f"{OVERRIDDEN}: {cell.points:g} by the autograder, {override:g} by hand" in _section(
        text, f"<small>{OVERRIDDEN}", "</tr>"
    )

    found = report(graded_copy, log=quiet)
    student = next(s for s in found.report.graded if s.id == STUDENT)
    assert (NOTEBOOK, QUESTION) not in [(nb, gid) for nb, gid, _ in student.pending]
    assert student.hand == float(SCORE)
    assert student.total == total
    row = _section(found.path.read_text(), f"<tr><td>{STUDENT}</td>", "</tr>")
    assert f"{NOTEBOOK}: {QUESTION}" not in row
    assert f"{NOTEBOOK}: inline_question_" in row  # the questions nobody graded yet

    export(graded_copy, log=quiet)
    rows = {r["student_id"]: r for r in csv.DictReader((graded_copy / "grades.csv").open())}
    assert float(rows[STUDENT]["score"]) == pytest.approx(total)
    data = json.loads(
        (graded_copy / "export" / "gradescope" / STUDENT / "results.json").read_text()
    )
    assert data["score"] == pytest.approx(total)
    tests = {t["name"].split(" (")[0]: t for t in data["tests"]}
    hand = tests[f"{NOTEBOOK}: {QUESTION}"]
    assert hand["score"] == float(SCORE)
    assert hand["max_score"] == worth
    assert COMMENT in hand["output"]  # the student reads the TA's comment there too
    changed = tests[f"{NOTEBOOK}: {OVERRIDDEN}"]
    assert changed["score"] == override
    assert f"{cell.points:g} by the autograder, {override:g} by hand" in changed["output"]
    assert f"Autograded: {auto:g} / {result.max_points:g}" in data["output"]
    assert fg.process.poll() is None  # the server stayed up throughout

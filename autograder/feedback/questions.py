"""The inline questions of one submission, in notebook order, for the summary page.

An inline question is two markdown cells of a notebook (README, "Editing the
notebooks"): the prompt, locked, with the id `<question>_prompt` and a text
that starts with `**Inline Question n:**`, then the answer cell `<question>`,
graded by hand in nbgrader's formgrader. Each part is read from where it can
be trusted:

  1. the order and the prompts: the course's release notebooks
     (DIR/release/<assignment>/), the instructor's words, which no student
     can change; notebooks in the order of the results' cells (sorted by
     name), questions in the order of their cells;
  2. the student's answer: the notebook nbgrader kept
     (DIR/autograded/<student>/<assignment>/), else the one submitted; an
     answer left as released ("YOUR ANSWER HERE") is no answer;
  3. the score and the comment: the gradebook (a TA's manual score, or
     nbgrader's own 0 for an answer left blank; None while nobody has graded
     it), as export reads them.

Every answer cell the gradebook holds for the submission is a question, even
one the release no longer shows (it comes last, under its id).
"""

import json
import re
from pathlib import Path

from ..grade.gradebook import open_gradebook
from .page import Question

#: The label a prompt starts with: `**Inline Question 2:**` (the colon inside or after the bold).
_LABEL = re.compile(r"^\s*\*\*\s*Inline Question\s+(\d+)\s*:?\s*\*\*\s*:?\s*", re.IGNORECASE)
#: The heading an answer cell starts with.
_ANSWER_HEADING = re.compile(r"^\s*\*\*\s*Your Answer\s*:?\s*\*\*\s*:?\s*", re.IGNORECASE)
#: What nbgrader's release leaves in an answer cell.
_PLACEHOLDER = "YOUR ANSWER HERE"
#: The most of an answer the page shows, in characters.
MAX_ANSWER = 20000


def split_prompt(text):
    """(number or None, the prompt without its `**Inline Question n:**` label)."""
    match = _LABEL.match(text)
    if not match:
        return None, text.strip()
    return int(match.group(1)), text[match.end() :].strip()


def answer_text(source):
    """The student's answer in an answer cell's source, or None when there is none."""
    text = _ANSWER_HEADING.sub("", source, count=1).strip()
    if not text or text == _PLACEHOLDER:
        return None
    if len(text) > MAX_ANSWER:
        text = text[:MAX_ANSWER] + f"\n[... {len(text) - MAX_ANSWER} more characters]"
    return text


def _cells(path):
    """[(grade_id, cell_type, source)] of a notebook in order; [] when it cannot be read."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = []
        for cell in nb.get("cells", []):
            meta = (cell.get("metadata") or {}).get("nbgrader") or {}
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(source)
            if isinstance(meta.get("grade_id"), str) and isinstance(source, str):
                cells.append((meta["grade_id"], cell.get("cell_type"), source))
        return cells
    except (OSError, ValueError, AttributeError, TypeError):
        return []


def _answers(course, student, assignment, notebook):
    """{grade_id: source} of the student's markdown cells in `notebook`."""
    for kept in ("autograded", "submitted"):
        path = Path(course) / kept / student / assignment / f"{notebook}.ipynb"
        if path.is_file():
            return {gid: source for gid, kind, source in _cells(path) if kind == "markdown"}
    return {}


def read_comments(course, assignment, student, cells):
    """{(notebook, grade_id): the TA's comment, else nbgrader's, or None}."""
    from nbgrader.api import MissingEntry

    comments = {}
    with open_gradebook(course) as gb:
        for notebook, grade_id in cells:
            try:
                comment = gb.find_comment(grade_id, notebook, assignment, student)
            except MissingEntry:
                continue
            comments[(notebook, grade_id)] = comment.manual_comment or comment.auto_comment
    return comments


def notebook_order(result, names):
    """`names` (notebook names) in the order of the result's cells, the others sorted after."""
    seen = list(dict.fromkeys(cell.notebook for cell in result.cells))
    return [n for n in seen if n in names] + sorted(set(names) - set(seen))


def read_questions(course, result, grades):
    """The Questions of `result`'s submission in notebook order.

    - grades: {(notebook, grade_id): CellGrade} of the submission (gradebook.cell_grades)
    """
    hand = {cell: grade for cell, grade in grades.items() if grade.cell_type == "markdown"}
    if not hand:
        return []
    comments = read_comments(course, result.assignment, result.student, hand)
    release = Path(course) / "release" / result.assignment
    questions = []
    for notebook in notebook_order(result, {nb for nb, _ in hand}):
        cells = _cells(release / f"{notebook}.ipynb")
        prompts = {gid: source for gid, kind, source in cells if kind == "markdown"}
        ordered = [gid for gid, _, _ in cells if (notebook, gid) in hand]
        ordered += sorted(gid for nb, gid in hand if nb == notebook and gid not in ordered)
        answers = _answers(course, result.student, result.assignment, notebook)
        for grade_id in ordered:
            grade = hand[(notebook, grade_id)]
            number, prompt = split_prompt(prompts.get(f"{grade_id}_prompt", ""))
            questions.append(
                Question(
                    notebook=notebook,
                    grade_id=grade_id,
                    number=number,
                    prompt=prompt,
                    answer=answer_text(answers[grade_id]) if grade_id in answers else None,
                    score=grade.score,
                    max_score=grade.max_score,
                    comment=comments.get((notebook, grade_id)),
                    extra=grade.extra,
                )
            )
    return questions

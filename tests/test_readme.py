"""The README's Layout section stays true: every graded cell, every verb's folder and module."""

import re
from pathlib import Path

from autograder import paths

README = Path(__file__).resolve().parents[1] / "README.md"


def layout_section():
    text = README.read_text(encoding="utf-8")
    start = text.index("## Layout\n")
    return text[start : text.index("\n## ", start + 1)]


def table_rows(section, header):
    """The rows (lists of cells) of the markdown table whose header row starts with `header`."""
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_task_table_names_every_graded_cell_and_no_other():
    """Does each grade id of the hidden cases appear in the task table, and only those?"""
    from autograder.grade import cases

    rows = table_rows(layout_section(), "| function (file) |")
    named = {gid for row in rows for gid in re.findall(r"`(correct_\w+)`", row[2])}
    assert named == {cell.grade_id for cell in cases.cells()}
    notebooks = {cell.grade_id: cell.notebook for cell in cases.cells()}
    for row in rows:
        for gid in re.findall(r"`(correct_\w+)`", row[2]):
            assert notebooks[gid] in row[1], (gid, row[1])


def test_the_verb_table_names_existing_folders_and_modules():
    """Is every verb's folder a subpackage, every module it names a file there?"""
    from autograder.cli import COMMANDS

    rows = table_rows(layout_section(), "| verb |")
    verbs = {row[0].strip("`") for row in rows}
    assert verbs <= set(COMMANDS)
    for row in rows:
        folder = paths.REPO / row[1].strip("`").rstrip("/")
        assert (folder / "__init__.py").is_file(), folder
        for module in re.findall(r"`(\w+\.py)`", row[2]):
            assert (folder / module).is_file(), (folder, module)

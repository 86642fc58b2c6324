"""The nbgrader metadata of a submitted notebook's cells, read as plain JSON and mended.

A student working in Jupyter can break what nbgrader's autograde relies on
without meaning to: copying a graded cell copies its grade_id, and an edit of a
cell's metadata (or a deleted cell) makes nbgrader fail the whole notebook, and
with it the record of the inline answers graded by hand. `repair_cells` mends
the metadata against the release's; collect uses it to warn, grade to flag and
(preprocessors.RepairCellMetadata) to mend the notebook nbgrader reads. The
files a student submitted are never changed. Only json here: collect imports
it without nbgrader.
"""

import copy
import json
from pathlib import Path

#: The nbgrader metadata fields that decide how a cell is graded.
GRADING_FIELDS = ("grade", "solution", "locked", "points", "task")


def release_metadata(release_notebook):
    """{grade_id: (cell type, nbgrader metadata)} of a release notebook's cells."""
    with open(release_notebook, encoding="utf-8") as f:
        nb = json.load(f)
    known = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader")
        if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
            known[meta["grade_id"]] = (cell.get("cell_type"), meta)
    return known


def repair_cells(cells, known):
    """Mend the nbgrader metadata of `cells` (dicts, changed in place); return one note per fix.

    - metadata without a usable grade_id is removed (the cell becomes an
      ordinary one);
    - a second cell with a grade_id already seen (a cell copied in Jupyter)
      keeps its content and loses its metadata: the first stays nbgrader's
      cell of that id (the harness, which reads the notebook itself, runs the
      definitions of both, in order: programs.cell_source);
    - a cell whose grade_id is the release's but whose grading fields were
      changed (grade, solution, locked, points) gets the release's metadata
      back, checksum included; nbgrader then restores a locked cell's source.

    A grade cell whose metadata was deleted is put back by nbgrader itself
    (OverwriteCells.add_missing_cells, set by notebooks.course_config).
    """
    notes, seen = [], set()
    for index, cell in enumerate(cells, start=1):
        metadata = cell.get("metadata")
        if not isinstance(metadata, dict) or "nbgrader" not in metadata:
            continue
        meta = metadata["nbgrader"]
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(grade_id, str) or not grade_id:
            del metadata["nbgrader"]
            notes.append(f"cell {index}: nbgrader metadata without a grade_id, removed")
            continue
        if grade_id in seen:
            del metadata["nbgrader"]
            notes.append(
                f"cell {index}: a second cell with grade_id {grade_id} (copied?): nbgrader's "
                "record keeps it as an ordinary cell"
            )
            continue
        seen.add(grade_id)
        if grade_id not in known:
            continue
        cell_type, want = known[grade_id]
        changed = [name for name in GRADING_FIELDS if meta.get(name) != want.get(name)]
        if changed:
            metadata["nbgrader"] = type(metadata)(copy.deepcopy(want))
            notes.append(
                f"{grade_id}: its nbgrader metadata was edited ({', '.join(changed)}): the "
                "release's restored"
            )
        if cell.get("cell_type") != cell_type:
            notes.append(f"{grade_id}: turned into a {cell.get('cell_type')} cell: restored")
    return notes


def notebook_repairs(release, folder):
    """The notes of repair_cells for every notebook of the submission `folder` (not changed)."""
    notes = []
    for path in sorted(Path(release).glob("*.ipynb")):
        mine = Path(folder) / path.name
        try:
            with open(mine, encoding="utf-8") as f:
                cells = json.load(f).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue  # missing or unreadable: said elsewhere (results.notebook_left_out)
        if isinstance(cells, list):
            found = repair_cells([c for c in cells if isinstance(c, dict)], release_metadata(path))
            notes += [f"{path.name} {note}" for note in found]
    return notes

"""Where the instructor's material is read from: the repository, or any folder laid out like it."""

from dataclasses import dataclass
from pathlib import Path

from .. import paths
from .errors import ReleaseError

#: What students install, relative to the repository: the repository's own
#: requirements.txt includes it (`-r`) and adds the instructor's tools.
STUDENT_REQUIREMENTS = "assignment/requirements.txt"


@dataclass(frozen=True)
class Source:
    """The instructor's material one release is built from.

    `root` is the folder paths in headers and messages are relative to (the
    repository). Tests build a Source from parts in a temporary folder.
    """

    root: Path
    package: Path  # the package with its solutions (assignment/cs231n)
    notebooks: Path  # the nbgrader source notebooks
    reference: Path  # the saved reference outputs
    datasets_script: Path  # datasets/get_datasets.sh
    requirements: Path  # what students install (assignment/requirements.txt)

    @classmethod
    def from_repo(cls, root=None):
        """The material of the convkit checkout at `root` (default: this one)."""
        root = Path(root) if root is not None else paths.REPO
        return cls(
            root=root,
            package=root / paths.PACKAGE_DIR.relative_to(paths.REPO),
            notebooks=root / paths.NOTEBOOKS_DIR.relative_to(paths.REPO),
            reference=root / paths.REFERENCE_DIR.relative_to(paths.REPO),
            datasets_script=root / paths.DATASETS_DIR.relative_to(paths.REPO) / "get_datasets.sh",
            requirements=root / STUDENT_REQUIREMENTS,
        )

    def origin(self, path):
        """`path` as headers and messages show it: relative to the root when inside it."""
        try:
            return Path(path).resolve().relative_to(Path(self.root).resolve()).as_posix()
        except ValueError:
            return Path(path).resolve().as_posix()

    def notebook_files(self):
        """The source notebooks, sorted (checkpoints and dot-files left out)."""
        if not self.notebooks.is_dir():
            return []
        return sorted(
            p for p in self.notebooks.glob("*.ipynb") if p.is_file() and not p.name.startswith(".")
        )

    def check(self):
        """Raise ReleaseError naming everything a release needs that is missing."""
        missing = []
        if not (self.package / "__init__.py").is_file():
            missing.append(f"{self.origin(self.package)}/ (the package, with __init__.py)")
        if not self.notebook_files():
            missing.append(f"{self.origin(self.notebooks)}/*.ipynb (the source notebooks)")
        if not self.reference.is_dir() or not any(
            p.is_file() and not p.name.startswith(".") for p in self.reference.rglob("*")
        ):
            missing.append(
                f"{self.origin(self.reference)}/ (the reference outputs: run "
                "`python -m autograder refs` first)"
            )
        for path in (self.datasets_script, self.requirements):
            if not path.is_file():
                missing.append(self.origin(path))
        if missing:
            raise ReleaseError(
                "cannot release: missing from the source:\n" + "\n".join(f"  {m}" for m in missing)
            )
        apart = [problem for path in self.notebook_files() for problem in self._pair_problems(path)]
        if apart:
            raise ReleaseError(
                "cannot release: a notebook and its .py source disagree, so the release would "
                "ship the .ipynb without the other's edits:\n"
                + "\n".join(f"  {problem}" for problem in apart)
                + "\nrun `make notebooks` to bring each pair in step (the file edited last "
                "wins), then release again"
            )

    def _pair_problems(self, notebook):
        """How `notebook` (.ipynb) differs from its jupytext .py beside it: [] or one line.

        Only what the release reads is compared: each cell's type, source and nbgrader
        metadata. A notebook without a .py is left alone.
        """
        py = notebook.with_suffix(".py")
        if not py.is_file():
            return []
        import jupytext
        import nbformat

        try:
            text = jupytext.reads(py.read_text(encoding="utf-8"), fmt="py:percent")
            cells = nbformat.read(notebook, as_version=4).cells
        except Exception as error:  # a file neither tool can read: name it
            return [f"{self.origin(py)}: cannot be compared ({type(error).__name__}: {error})"]

        def seen(cell):
            return cell.cell_type, cell.source, cell.get("metadata", {}).get("nbgrader")

        ours, theirs = [seen(c) for c in text.cells], [seen(c) for c in cells]
        if ours == theirs:
            return []
        where = next(
            (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
            min(len(ours), len(theirs)),
        )
        cell = theirs[where] if where < len(theirs) else ours[where]
        grade_id = (cell[2] or {}).get("grade_id")
        named = f" ({grade_id})" if grade_id else ""
        return [
            f"{self.origin(py)} ({len(ours)} cells) and {notebook.name} ({len(theirs)} cells) "
            f"first differ at cell {where}{named}"
        ]

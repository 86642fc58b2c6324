"""Where the instructor's material is read from: the repository, or any folder laid out like it."""

from dataclasses import dataclass
from pathlib import Path

from .. import paths
from .errors import ReleaseError


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
    requirements: Path

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
            requirements=root / paths.REQUIREMENTS.relative_to(paths.REPO),
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

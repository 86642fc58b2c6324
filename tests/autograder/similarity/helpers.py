"""Builders for the similarity tests: a hand-made course, and copies disguised as a student would.

`make_course` writes a released course without nbgrader: the package stripped
by the release's own strip_package and small notebooks with nbgrader answer
cells. `disguise` turns a file into what a student who copied it might hand
in: every variable the functions assign renamed consistently, the top-level
functions in reverse order, two-space indentation, comments and blank lines
added.
"""

import ast
import io
import json
import textwrap
import tokenize
from pathlib import Path

from autograder.demo.mistakes import ALTERNATIVE_BODIES
from autograder.demo.recipes import partial_files
from autograder.paths import PACKAGE_DIR, REPO
from autograder.release.strip import strip_package

#: The notebooks of the hand-made course, with one code and one markdown answer cell each.
NOTEBOOK = "ConvolutionalNetworks.ipynb"
CODE_SCAFFOLD = (
    'def train(data):\n    # YOUR CODE HERE\n    raise NotImplementedError("replace this line")'
)
PROSE_SCAFFOLD = "**Your Answer:**\n\nYOUR ANSWER HERE"


def cell(kind, source, grade_id=None):
    meta = {}
    if grade_id:
        meta["nbgrader"] = {"solution": True, "grade": False, "grade_id": grade_id}
    made = {"cell_type": kind, "metadata": meta, "source": source}
    if kind == "code":
        made.update(outputs=[], execution_count=None)
    return made


def notebook(cells):
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def release_notebook():
    return notebook(
        [
            cell("markdown", "# Convolutional networks\n\nRead `cs231n/layers.py` first."),
            cell("code", "import numpy as np\nfrom cs231n.layers import conv_forward_naive"),
            cell("code", CODE_SCAFFOLD, "train_one_epoch"),
            cell("markdown", PROSE_SCAFFOLD, "inline_question"),
        ]
    )


def answered_notebook(code, prose):
    """The release notebook with its two answer cells holding `code` and `prose`."""
    nb = json.loads(release_notebook())
    nb["cells"][2]["source"] = code
    nb["cells"][3]["source"] = prose
    return json.dumps(nb)


def make_course(root):
    """A released course: DIR/release/convnets with the stripped package and one notebook."""
    release = Path(root) / "release" / "convnets"
    strip_package(PACKAGE_DIR, release / "cs231n", origin_root=REPO)
    (release / NOTEBOOK).write_text(release_notebook())
    return Path(root)


def release_files(course):
    """{member: bytes} of the course's release, as fabricate reads one."""
    release = Path(course) / "release" / "convnets"
    return {
        p.relative_to(release).as_posix(): p.read_bytes()
        for p in sorted(release.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def instructor_files():
    """{member: text} of the instructor's files that hold solution regions."""
    return {
        f"cs231n/{p.relative_to(PACKAGE_DIR).as_posix()}": p.read_text()
        for p in sorted(PACKAGE_DIR.rglob("*.py"))
        if "### BEGIN SOLUTION" in p.read_text()
    }


def solved(course, functions):
    """The release with the instructor's solution of `functions` (no markers)."""
    return partial_files(release_files(course), instructor_files(), solve=functions)


def alternative(course, functions):
    """The release with the demo's alternative implementation of `functions`."""
    replace = {f: textwrap.dedent(ALTERNATIVE_BODIES[f]) for f in functions}
    return partial_files(release_files(course), instructor_files(), replace=replace)


def write_submission(course, student, files):
    """Write {member: bytes or text} as DIR/submitted/<student>/convnets/."""
    folder = Path(course) / "submitted" / student / "convnets"
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data)
        else:
            path.write_bytes(data)
    return folder


# ---------------------------------------------------------------------------
# Disguising a copy
# ---------------------------------------------------------------------------


def assigned_names(text):
    """Names the file's functions assign, but for the names of functions and classes (a copy
    that renamed a method would no longer work)."""
    tree = ast.parse(text)
    defined = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
    }
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                    names.add(inner.id)
    return names - defined


def rename(text, names):
    """`text` with every name of `names` renamed, consistently, but for attributes and keyword
    arguments (renaming those would break the program)."""
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    out, depth = [], 0
    for index, token in enumerate(tokens):
        depth += (token.string in "([{") - (token.string in ")]}") if token.string else 0
        before = tokens[index - 1].string if index else ""
        after = tokens[index + 1].string if index + 1 < len(tokens) else ""
        keyword_argument = depth > 0 and after == "="
        if token.type == tokenize.NAME and token.string in names and before != ".":
            if not keyword_argument:
                token = token._replace(string=f"my_{token.string.lower()}_v")
        out.append(token)
    return tokenize.untokenize(out)


def reverse_functions(text):
    """`text` with its top-level functions in reverse order (each keeps its decorators)."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if len(defs) < 2:
        return text
    blocks = ["".join(lines[d.lineno - 1 : d.end_lineno]) for d in defs]
    head = "".join(lines[: defs[0].lineno - 1])
    tail = "".join(lines[defs[-1].end_lineno :])
    return head + "\n\n".join(reversed(blocks)) + "\n" + tail


def reformat(text):
    """Two-space indentation, a comment after every def line, blank lines doubled."""
    out = []
    for line in text.splitlines():
        body = line.lstrip(" ")
        depth = (len(line) - len(body)) // 4
        rest = (len(line) - len(body)) % 4
        new = "  " * depth + " " * rest + body
        out.append(new)
        if body.startswith("def ") and body.rstrip().endswith(":"):
            out.append("  " * (depth + 1) + "# my own version")
        if not body:
            out.append("")
    return "\n".join(out) + "\n"


def disguise(text):
    """A copy of `text` as a student who copied it might hand it in."""
    renamed = rename(text, assigned_names(text))
    return reformat(reverse_functions(renamed))

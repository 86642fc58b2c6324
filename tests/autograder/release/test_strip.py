"""Step 1 of the release: stripping solution regions out of the package's .py files."""

import ast
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import paths
from autograder.release.errors import MarkerError
from autograder.release.strip import (
    BEGIN,
    END,
    find_regions,
    strip_file,
    strip_package,
    strip_text,
    stub_line,
)

LAYER = '''\
"""A module docstring."""

import numpy as np


def conv_forward_naive(x, w):
    """Docstring."""
    check(x)
    # TODO: the convolution.
    ### BEGIN SOLUTION
    out = np.tensordot(x, w)
    ### END SOLUTION
    return out


class Net:
    def loss(self, X):
        if X is not None:
            # TODO: the scores.
            ### BEGIN SOLUTION
            scores = X @ self.W
            scores += 1
            ### END SOLUTION
        return scores
'''


def test_region_becomes_one_raise_line_at_its_indentation():
    """Does each region become one raise line at the BEGIN marker's indentation, the rest kept?"""
    stripped, regions = strip_text(LAYER, "assignment/cs231n/layers.py", "cs231n/layers.py")
    lines = stripped.splitlines()
    first = stub_line("conv_forward_naive", "cs231n/layers.py")
    second = stub_line("Net.loss", "cs231n/layers.py")
    assert f"    {first}" in lines
    assert f"            {second}" in lines
    assert "out = np.tensordot(x, w)" not in stripped
    assert "scores = X @ self.W" not in stripped
    assert BEGIN not in stripped
    assert END not in stripped
    # Everything outside the regions is kept, line for line.
    outside = [
        line
        for number, line in enumerate(LAYER.splitlines(), 1)
        if not any(r.begin <= number <= r.end for r in regions)
    ]
    assert [line for line in lines if "NotImplementedError" not in line] == outside
    assert "    # TODO: the convolution." in lines


def test_raise_line_names_function_and_file():
    """Does the raise line name the function (Class.method for methods) and the file to edit?"""
    assert stub_line("ThreeLayerConvNet.loss", "cs231n/classifiers/cnn.py") == (
        'raise NotImplementedError("ThreeLayerConvNet.loss: not implemented yet; '
        'write it in cs231n/classifiers/cnn.py")'
    )
    regions = find_regions(LAYER, "layers.py")
    assert [r.function for r in regions] == ["conv_forward_naive", "Net.loss"]
    assert [(r.begin, r.end) for r in regions] == [(10, 12), (20, 23)]
    assert regions[1].lines == ("            scores = X @ self.W", "            scores += 1")


def test_stripped_function_raises_naming_itself():
    """Does calling a stripped function raise NotImplementedError that names it?"""
    stripped, _ = strip_text(LAYER, "layers.py", "cs231n/layers.py")
    namespace = {"check": lambda x: None}
    exec(compile(stripped, "layers.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match=r"^conv_forward_naive: .*cs231n/layers\.py"):
        namespace["conv_forward_naive"](1, 2)
    with pytest.raises(NotImplementedError, match=r"^Net\.loss: "):
        namespace["Net"]().loss(1)


def test_header_keeps_the_docstring_first(tmp_path):
    """Does the header go above the module docstring, as comments, so help() still shows it?"""
    src = tmp_path / "layers.py"
    src.write_text(LAYER)
    result = strip_file(src, "assignment/cs231n/layers.py", "cs231n/layers.py")
    first_lines = result.text.splitlines()[:2]
    assert first_lines[0].startswith("# GENERATED for this assignment from ")
    assert "assignment/cs231n/layers.py" in first_lines[0]
    assert "NotImplementedError" in first_lines[1]  # this file holds work for the student
    assert ast.get_docstring(ast.parse(result.text)) == "A module docstring."


def test_provided_file_gets_header_and_nothing_else(tmp_path):
    """Is a file without regions copied unchanged below a header that says it is provided?"""
    src = tmp_path / "fast.py"
    text = '"""Fast layers."""\n\nX = 1\n'
    src.write_text(text)
    result = strip_file(src, "assignment/cs231n/fast.py", "cs231n/fast.py")
    assert result.regions == ()
    assert result.text.endswith(text)
    assert "provided complete" in result.text.splitlines()[1]


@pytest.mark.parametrize(
    "first", ["#!/usr/bin/env python3\n", "# -*- coding: utf-8 -*-\n"], ids=["shebang", "coding"]
)
def test_shebang_and_encoding_stay_on_top(tmp_path, first):
    """Do a #! line and an encoding declaration stay first, above the header?"""
    src = tmp_path / "m.py"
    src.write_text(first + '"""Doc."""\n')
    text = strip_file(src, "m.py", "cs231n/m.py").text
    assert text.startswith(first + "# GENERATED")


def _body(*lines, indent="    "):
    return "def f(x):\n" + "".join(indent + l + "\n" for l in lines)


MALFORMED = {
    "nested": (_body(BEGIN, "y = 1", BEGIN, "z = 2", END, END, "return y"), 4, "nested"),
    "unclosed": (_body("y = 0", BEGIN, "y = 1", "return y"), 3, "never closed"),
    "end without begin": (_body("y = 1", END, "return y"), 3, "without"),
    "inside a string": (_body('s = "### BEGIN SOLUTION"', "return s"), 2, "string literal"),
    "inside a docstring": (
        'def f(x):\n    """Doc.\n\n    ### END SOLUTION\n    """\n    return x\n',
        4,
        "string literal",
    ),
    "inside an f-string": (_body('s = f"{x} END SOLUTION"', "return s"), 2, "string literal"),
    "after code on its line": (
        _body("y = 1  ### BEGIN SOLUTION", "y = 2", END, "return y"),
        2,
        "malformed marker",
    ),
    "misspelt": (_body("# BEGIN SOLUTION", "y = 2", END, "return y"), 2, "malformed marker"),
    "notebook marker": (_body("### BEGIN HIDDEN TESTS", "return x"), 2, "notebook marker"),
    "outside a function": (f"{BEGIN}\nX = 1\n{END}\n", 1, "outside a function"),
    "in a class body": (f"class A:\n    {BEGIN}\n    X = 1\n    {END}\n", 2, "outside a function"),
    "empty": (_body("y = 1", BEGIN, END, "return y"), 3, "empty solution region"),
    "comments only": (_body(BEGIN, "# think", END, "return x"), 2, "empty solution region"),
    "end indented differently": (
        f"def f(x):\n    if x:\n        {BEGIN}\n        y = 1\n    {END}\n    return x\n",
        5,
        "indented differently",
    ),
    "splits a statement": (
        _body("y = max(", BEGIN, "    1,", "    2,", END, ")", "return y"),
        3,
        "cuts the statement",
    ),
    "cuts a statement's end": (
        _body(BEGIN, "y = max(", "    1,", END, "    2)", "return y"),
        2,
        "cuts the statement",
    ),
    "spans two functions": (
        f"def f():\n    {BEGIN}\n    return 1\n\n\ndef g():\n    return 2\n    {END}\n",
        2,
        "several functions",
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_marker_stops_with_file_and_line(case):
    """Is a malformed marker reported as `file:line: what is wrong`?"""
    text, line, words = MALFORMED[case]
    with pytest.raises(MarkerError) as excinfo:
        strip_text(text, "assignment/cs231n/bad.py", "cs231n/bad.py")
    assert excinfo.value.line == line, str(excinfo.value)
    assert str(excinfo.value).startswith(f"assignment/cs231n/bad.py:{line}: ")
    assert words in str(excinfo.value)


def test_malformed_file_stops_the_whole_package(tmp_path):
    """Is nothing written when one file of the package has a malformed marker?"""
    package = tmp_path / "cs231n"
    package.mkdir()
    (package / "__init__.py").write_text('"""Package."""\n')
    (package / "zz_bad.py").write_text(MALFORMED["unclosed"][0])
    dest = tmp_path / "out"
    with pytest.raises(MarkerError, match=r"cs231n/zz_bad\.py:3: "):
        strip_package(package, dest, origin_root=tmp_path)
    assert not dest.exists()


def test_package_copy_leaves_caches_and_binaries_out(tmp_path):
    """Are bytecode, caches, built extensions and dot-files left out, and data files copied?"""
    package = tmp_path / "cs231n"
    (package / "__pycache__").mkdir(parents=True)
    (package / "__pycache__" / "layers.cpython-311.pyc").write_bytes(b"\0")
    (package / "im2col.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\0")
    (package / ".secret").write_text("x")
    (package / "images").mkdir()
    (package / "images" / "kitten.jpg").write_bytes(b"\xff\xd8")
    (package / "__init__.py").write_text("")
    dest = tmp_path / "out"
    results = strip_package(package, dest, origin_root=tmp_path)
    assert [r.student_path for r in results] == ["cs231n/__init__.py"]
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert files == ["__init__.py", "images/kitten.jpg"]


def test_real_package_strips_to_a_compiling_package(tmp_path):
    """Does every .py file of assignment/cs231n strip, compile, and keep no solution line?"""
    results = strip_package(paths.PACKAGE_DIR, tmp_path / "cs231n", origin_root=paths.REPO)
    by_path = {r.student_path: r for r in results}
    assert "cs231n/layers.py" in by_path
    assert by_path["cs231n/layers.py"].regions, "layers.py should hold student work"
    for result in results:
        compile(result.text, result.student_path, "exec")
        assert BEGIN not in result.text
        assert END not in result.text
        for region in result.regions:
            assert region.indent + stub_line(region.function, result.student_path) in (
                result.text.splitlines()
            )


BLOCKS = [["c = 2"], ["for i in range(3):", "    c = i"], ["# step"], [""]]


@given(
    before=st.lists(st.sampled_from(["a = 1", "# TODO: hint", "", "b = 2"]), max_size=4),
    blocks=st.lists(st.sampled_from(BLOCKS), max_size=4),
    after=st.lists(st.sampled_from(["d = 3", "", "# done"]), max_size=3),
    depth=st.integers(1, 3),
)
def test_only_the_region_changes(before, blocks, after, depth):
    """For any body, is the output the lines before, one raise line, then the lines after?"""
    solution = ["c = 2"] + [line for block in blocks for line in block]
    indent = "    " * depth
    head = "".join("    " * d + "if True:\n" for d in range(1, depth))
    body = [*before, BEGIN, *solution, END, *after, "return None"]
    text = "def f():\n" + head + "".join(indent + l + "\n" if l else "\n" for l in body)
    stripped, regions = strip_text(text, "f.py", "cs231n/f.py")
    expected = (
        "def f():\n"
        + head
        + "".join(indent + l + "\n" if l else "\n" for l in before)
        + indent
        + stub_line("f", "cs231n/f.py")
        + "\n"
        + "".join(indent + l + "\n" if l else "\n" for l in [*after, "return None"])
    )
    assert stripped == expected
    assert len(regions) == 1
    compile(stripped, "f.py", "exec")


def test_region_lines_dedent_for_reading():
    """Are a region's lines the exact source lines (for the leak scan to look for)?"""
    text = textwrap.dedent(
        f"""\
        def f(x):
            {BEGIN}
            y = x * 2
            {END}
            return y
        """
    )
    (region,) = find_regions(text, "f.py")
    assert region.lines == ("    y = x * 2",)
    assert region.indent == "    "

"""The students' own code: what each submission adds to the release, function by function."""

import pytest

from autograder.similarity.extract import (
    SimilarityError,
    earlier_folders,
    own_lines,
    python_pieces,
    read_release,
    read_submission,
)
from tests.autograder.similarity.helpers import (
    NOTEBOOK,
    answered_notebook,
    release_files,
    reverse_functions,
    solved,
    write_submission,
)

LAYERS = "cs231n/layers.py"


def pieces_of(course, student, files):
    release = read_release(course / "release" / "convnets")
    warnings = []
    folder = write_submission(course, student, files)
    return read_submission(student, folder, release, warnings.append).pieces, warnings


def own_text(piece):
    return "\n".join(text for _, text in piece.text_lines())


def test_the_untouched_release_has_no_code_of_its_own(course):
    """Does a submission that is the release as handed out yield nothing to compare?"""
    pieces, warnings = pieces_of(course, "release", release_files(course))
    assert pieces == []
    assert warnings == []


def test_only_the_solution_regions_are_the_students(course):
    """Are the lines a student wrote in place of the stubs theirs, function by function, and
    the docstrings, TODO comments and provided lines around them not?"""
    pieces, _ = pieces_of(course, "two", solved(course, ["conv_forward_naive", "adam"]))
    assert sorted((p.file, p.name) for p in pieces) == [
        ("cs231n/layers.py", "conv_forward_naive"),
        ("cs231n/optim.py", "adam"),
    ]
    conv = next(p for p in pieces if p.name == "conv_forward_naive")
    text = own_text(conv)
    assert "np.pad" in text
    assert "TODO" not in text
    assert "NotImplementedError" not in text
    assert "cache = (x, w, b, conv_param)" not in text  # provided, below the stub
    assert "A naive implementation" not in text  # the docstring


def test_reindenting_provided_code_does_not_make_it_the_students():
    """Are lines compared without their indentation, and blank lines never counted?"""
    release = "def f(x):\n    y = x + 1\n    return y\n"
    student = "def f(x):\n\n  y = x + 1\n  z = y * 2\n  return z\n"
    assert own_lines(release, student) == [4, 5]


def test_code_outside_functions_and_helpers_are_pieces_of_their_own():
    """Does a helper the student added make its own piece, with its decorator, and module-level
    code a `<module>` piece?"""
    release = "import numpy as np\n\n\ndef f(x):\n    raise NotImplementedError('f')\n"
    student = (
        "import numpy as np\nSCALE = 3\n\n\n@staticmethod\ndef helper(v):\n    return v * SCALE\n"
        "\n\ndef f(x):\n    return helper(x) + 1\n"
    )
    pieces = {p.name: p.lines for p in python_pieces("m.py", student, release)}
    assert pieces == {"<module>": (2,), "helper": (5, 6, 7), "f": (11,)}


def test_a_file_that_does_not_parse_is_one_piece():
    """Is a file with a syntax error still compared, as one piece `<file>`?"""
    pieces = python_pieces("m.py", "def f(:\n    return 1\n", "")
    assert [(p.name, p.lines) for p in pieces] == [("<file>", (1, 2))]


def test_answer_cells_count_without_their_scaffolding(course):
    """Are the notebook's answer cells the student's (code as code, a markdown answer as prose),
    without `# YOUR CODE HERE` or `**Your Answer:**`, and other cells not?"""
    code = "def train(data):\n    solver = make_solver(data)\n    return solver"
    prose = "**Your Answer:**\n\nThe gradient flows to the maximum only."
    files = {NOTEBOOK: answered_notebook(code, prose)}
    pieces, _ = pieces_of(course, "nb", files)
    by_name = {p.name: p for p in pieces}
    assert set(by_name) == {"train_one_epoch", "inline_question"}
    assert by_name["train_one_epoch"].kind == "code"
    assert own_text(by_name["train_one_epoch"]) == code.split("\n", 1)[1]
    assert by_name["inline_question"].kind == "prose"
    assert own_text(by_name["inline_question"]) == "The gradient flows to the maximum only."
    assert "YOUR" not in "".join(own_text(p) for p in pieces)


def test_a_notebook_that_is_not_json_is_skipped_and_named(course):
    """Is a notebook that is not valid JSON left out with a warning naming it, and the
    student's other files still read?"""
    files = solved(course, ["adam"])
    files[NOTEBOOK] = b'{"cells": [ oops'
    pieces, warnings = pieces_of(course, "broken", files)
    assert [p.name for p in pieces] == ["adam"]
    assert len(warnings) == 1
    assert f"broken: {NOTEBOOK}: skipped, not a valid notebook (not JSON" in warnings[0]


def test_a_loose_file_is_compared_with_the_release_file_of_its_name(course, tmp_path):
    """Is a layers.py lying loose in a folder matched with the release's cs231n/layers.py, so
    only what its author wrote counts?"""
    folder = tmp_path / "loose"
    folder.mkdir()
    (folder / "layers.py").write_bytes(solved(course, ["conv_forward_naive"])[LAYERS])
    release = read_release(course / "release" / "convnets")
    pieces = read_submission("loose", folder, release).pieces
    assert [(p.file, p.name) for p in pieces] == [(LAYERS, "conv_forward_naive")]


def test_earlier_folders_in_each_layout(tmp_path):
    """Are the three layouts of a --against folder read as documented: <id>/convnets/ per
    student, a folder of files as one submission, a folder of folders one per subfolder?"""
    course_like = tmp_path / "2025"
    for student in ("ann", "bob"):
        (course_like / student / "convnets" / "cs231n").mkdir(parents=True)
    assert [label for label, _ in earlier_folders(course_like, "convnets")] == [
        "2025:ann",
        "2025:bob",
    ]
    one = tmp_path / "public"
    (one / "cs231n").mkdir(parents=True)
    (one / "README.md").write_text("a solution found online")
    assert earlier_folders(one, "convnets") == [("public", one)]
    loose = tmp_path / "loose"
    (loose / "a").mkdir(parents=True)
    (loose / "a" / "layers.py").write_text("x = 1\n")
    (loose / "empty").mkdir()
    assert earlier_folders(loose, "convnets") == [("loose:a", loose / "a")]


@pytest.mark.parametrize("make", [False, True])
def test_an_against_folder_that_is_missing_or_empty_is_an_error(tmp_path, make):
    """Does a --against folder that does not exist, or holds no code, stop with its name?"""
    folder = tmp_path / "nowhere"
    if make:
        (folder / "notes").mkdir(parents=True)
    with pytest.raises(SimilarityError, match=r"--against .*nowhere: no"):
        earlier_folders(folder, "convnets")


def test_moving_functions_around_makes_no_provided_line_the_students(course):
    """With the functions of layers.py in reverse order, are the student's own lines of each
    function the same as before, and no docstring or provided function among them?"""
    files = solved(course, ["conv_forward_naive", "max_pool_backward_naive"])
    moved = dict(files)
    moved[LAYERS] = reverse_functions(files[LAYERS].decode()).encode()
    before, _ = pieces_of(course, "before", files)
    after, _ = pieces_of(course, "after", moved)
    assert {p.name: own_text(p) for p in after} == {p.name: own_text(p) for p in before}


def test_a_file_over_the_size_limit_is_skipped_and_named(course, monkeypatch):
    """Is a .py file over the limit left out with a warning naming it?"""
    from autograder.similarity import extract

    monkeypatch.setitem(extract.MAX_FILE_BYTES, ".py", 1000)
    pieces, warnings = pieces_of(course, "big", solved(course, ["adam"]))
    assert pieces == []
    assert "big: cs231n/optim.py: skipped, larger than 0.001 MB" in warnings


def test_nesting_too_deep_to_parse_is_read_without_a_crash(course):
    """Is a notebook nested too deeply for the JSON reader skipped and named, and a .py file
    too deeply nested for ast still compared, as one piece?"""
    files = release_files(course)
    files[NOTEBOOK] = "[" * 200_000
    files[LAYERS] = files[LAYERS] + b"\nx = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n"
    pieces, warnings = pieces_of(course, "deep", files)
    assert [(p.file, p.name) for p in pieces] == [(LAYERS, "<file>")]
    assert any(f"deep: {NOTEBOOK}: skipped" in w for w in warnings)

"""Step 3 of collect: what the release expects, and how a submission differs from it."""

import json

import pytest

from autograder.collect.check import check_submission, expected_files, notebook_problem
from autograder.collect.problems import CollectError
from autograder.collect.unzip import extract
from autograder.grade.results import notebook_left_out
from tests.autograder.collect.helpers import (
    NOTEBOOKS,
    PACKAGE_FILES,
    make_zip,
    notebook_bytes,
    submission,
)

pytestmark = pytest.mark.collect


def test_expected_files_are_read_from_the_release(course):
    """Are the release's notebooks and cs231n .py files listed, caches left out?"""
    expected = expected_files(course)
    assert expected.assignment == "convnets"
    assert expected.release == course / "release" / "convnets"
    assert expected.notebooks == NOTEBOOKS
    assert expected.package_files == tuple(sorted(PACKAGE_FILES))


def test_a_folder_that_is_no_course_is_a_usage_error(tmp_path):
    """Do a missing folder, one without release/convnets and one without notebooks say so?"""
    with pytest.raises(CollectError, match="not a folder"):
        expected_files(tmp_path / "nowhere")
    with pytest.raises(CollectError, match=r"no release/convnets/.*autograder release"):
        expected_files(tmp_path)
    (tmp_path / "release" / "convnets").mkdir(parents=True)
    with pytest.raises(CollectError, match="holds no notebook"):
        expected_files(tmp_path)


@pytest.mark.parametrize(
    ("rel", "taken"),
    [
        ("ConvolutionalNetworks.ipynb", True),
        ("Other.ipynb", False),
        ("work/ConvolutionalNetworks.ipynb", False),
        ("cs231n/layers.py", True),
        ("cs231n/my_helpers.py", True),
        ("cs231n/classifiers/cnn.py", True),
        ("cs231n/__pycache__/layers.py", False),
        ("cs231n/.ipynb_checkpoints/layers-checkpoint.py", False),
        ("cs231n/.hidden.py", False),
        ("cs231n/layers.pyc", False),
        ("cs231n/fast.so", False),
        ("layers.py", False),
        ("other/cs231n/layers.py", False),
        ("collect_submission.sh", False),
    ],
)
def test_only_notebooks_and_package_code_are_wanted(course, rel, taken):
    """Is a file taken exactly when it is a release notebook or cs231n/**/*.py?"""
    assert expected_files(course).wants(rel) is taken


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (notebook_bytes(), None),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"cells": [', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        (b"[1, 2]", "not a notebook"),
        (b'{"cells": []}', "not a notebook"),
        (
            json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}),
            "nbformat 3",
        ),
        (
            json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": "nope", "metadata": {}}),
            "not in the notebook format (its fields are not a notebook's)",
        ),
        (
            json.dumps(
                {
                    "nbformat": 4,
                    "nbformat_minor": 5,
                    "cells": [
                        {
                            "cell_type": "code",
                            "execution_count": None,
                            "metadata": {},
                            "outputs": [],
                        }
                    ],
                    "metadata": {},
                }
            ),
            "not in the notebook format (at cells/0: 'source' is a required property)",
        ),
    ],
)
def test_notebook_problems_are_named(tmp_path, data, says):
    """Is a notebook that is not UTF-8, JSON, a notebook or nbformat 4 told apart?"""
    path = tmp_path / "nb.ipynb"
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    problem = notebook_problem(path)
    if says is None:
        assert problem is None
    else:
        assert says in problem
        assert "\n" not in problem
        assert len(problem) < 250


def findings_for(course, tmp_path, members):
    """Extract `members` as collect does, then check them: (folder, [Finding])."""
    expected = expected_files(course)
    zip_path = make_zip(tmp_path / "jdoe.zip", members)
    folder = tmp_path / "out"
    extraction = extract(zip_path, folder, expected.wants, keep_top={"cs231n"})
    return folder, check_submission(folder, extraction, expected)


def test_a_complete_submission_has_no_findings(course, tmp_path):
    """Does collect_submission.sh's zip give no finding at all?"""
    assert findings_for(course, tmp_path, submission())[1] == []


def test_a_missing_notebook_is_a_warning(course, tmp_path):
    """Is a missing notebook reported, with what grading then does (the rule grade and the
    feedback state too), without refusing the submission?"""
    members = submission()
    del members["SpatialNormalization.ipynb"]
    [finding] = findings_for(course, tmp_path, members)[1]
    assert not finding.fatal
    assert finding.message == notebook_left_out("SpatialNormalization.ipynb")
    assert "scored from the package" in finding.message
    assert "train_one_epoch, the inline answers) scores 0" in finding.message


def test_a_renamed_notebook_is_named_not_renamed(course, tmp_path):
    """With one notebook missing and one stranger, is it 'looks like a renamed X', untaken?"""
    members = submission()
    members["ConvolutionalNetworks (1).ipynb"] = members.pop("ConvolutionalNetworks.ipynb")
    folder, findings = findings_for(course, tmp_path, members)
    [finding] = findings
    assert finding.member == "ConvolutionalNetworks (1).ipynb"
    assert "looks like a renamed ConvolutionalNetworks.ipynb" in finding.message
    assert not finding.fatal
    assert not (folder / "ConvolutionalNetworks.ipynb").exists()
    assert not (folder / "ConvolutionalNetworks (1).ipynb").exists()


def test_two_strangers_are_not_guessed(course, tmp_path):
    """With two unknown notebooks for one missing, is no rename suggested?"""
    members = submission()
    members["a.ipynb"] = members.pop("ConvolutionalNetworks.ipynb")
    members["b.ipynb"] = notebook_bytes()
    findings = findings_for(course, tmp_path, members)[1]
    messages = {f.member: f.message for f in findings}
    assert "looks like" not in " ".join(messages.values())
    assert "not a notebook of the assignment" in messages["a.ipynb"]
    assert "not a notebook of the assignment" in messages["b.ipynb"]
    assert messages[None] == notebook_left_out("ConvolutionalNetworks.ipynb")


def test_a_notebook_in_a_subfolder_is_called_misplaced(course, tmp_path):
    """Is work/X.ipynb (with X missing at the top) reported as not at the top of the zip?"""
    members = submission()
    members["work/PoolingAndTransposedConv.ipynb"] = members.pop("PoolingAndTransposedConv.ipynb")
    [finding] = findings_for(course, tmp_path, members)[1]
    assert finding.member == "work/PoolingAndTransposedConv.ipynb"
    assert "not at the top of the zip" in finding.message


def test_an_invalid_notebook_is_left_out_with_its_reason(course, tmp_path):
    """Is a notebook that is not JSON deleted from the submission and reported?"""
    members = {**submission(), "SpatialNormalization.ipynb": b"{ this is not json"}
    folder, findings = findings_for(course, tmp_path, members)
    [finding] = findings
    assert finding.member == "SpatialNormalization.ipynb"
    assert "not valid JSON" in finding.message
    assert notebook_left_out("SpatialNormalization.ipynb") in finding.message
    assert not (folder / "SpatialNormalization.ipynb").exists()
    assert (folder / "ConvolutionalNetworks.ipynb").exists()


def test_nothing_of_the_assignment_is_fatal(course, tmp_path):
    """Is a zip holding none of the assignment's files refused?"""
    [finding] = findings_for(course, tmp_path, {"essay.docx": b"x", "notes.txt": b"y"})[1]
    assert finding.fatal
    assert "none of the assignment's files" in finding.message


def test_missing_package_files_are_listed(course, tmp_path):
    """Are package files of the release missing from the submission named in one warning?"""
    members = submission()
    del members["cs231n/layers.py"]
    [finding] = findings_for(course, tmp_path, members)[1]
    assert finding.message.startswith("cs231n/layers.py is missing")
    only_notebooks = {k: v for k, v in submission().items() if k.endswith(".ipynb")}
    [finding] = findings_for(course, tmp_path / "two", only_notebooks)[1]
    assert finding.message.startswith("all 4 .py files of cs231n/ are missing")


def test_ignored_files_are_noted_once(course, tmp_path):
    """Are files not taken (caches, data, a .so) named in a single warning?"""
    members = {
        **submission(),
        "cs231n/__pycache__/layers.cpython-311.pyc": b"\0",
        "cs231n/im2col.so": b"\0",
        "datasets/cifar.bin": b"\0",
    }
    [finding] = findings_for(course, tmp_path, members)[1]
    assert not finding.fatal
    assert finding.message.startswith("ignored 3 files")
    for name in ("layers.cpython-311.pyc", "im2col.so", "cifar.bin"):
        assert name in finding.message


def test_a_member_name_that_is_not_utf8_is_named_and_the_rest_taken(course, tmp_path):
    """A member flagged UTF-8 whose name is not (notes\\xff.txt, and a notebook named so): is
    each named and left out, and the rest of the zip collected, instead of the whole zip
    refused?"""
    members = {**submission(), "notesX.txt": b"junk", "cs231n/extraX.py": b"x = 1\n"}
    zip_path = make_zip(tmp_path / "jdoe.zip", members)
    data = bytearray(zip_path.read_bytes())
    for header, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(header, start)) >= 0:
            data[start + flags_at + 1] |= 0x08  # bit 11: the name is UTF-8
            start += 4
    data = bytes(data).replace(b"notesX", b"notes\xff").replace(b"extraX", b"extra\xfe")
    zip_path.write_bytes(data)
    folder = tmp_path / "out"
    extraction = extract(zip_path, folder, expected_files(course).wants, keep_top={"cs231n"})
    findings = check_submission(folder, extraction, expected_files(course))
    named = {f.member: f.message for f in findings}
    said = "its name is not valid UTF-8 (a broken zip tool?): it was not taken"
    assert named == {"notes\\xff.txt": said, "cs231n/extra\\xfe.py": said}
    assert (folder / "ConvolutionalNetworks.ipynb").is_file()
    assert (folder / "cs231n" / "layers.py").is_file()
    assert sorted(p.name for p in (folder / "cs231n").glob("extra*")) == []

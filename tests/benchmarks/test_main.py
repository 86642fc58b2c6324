"""benchmarks/__main__.py: running some benchmarks replaces their sections of RESULTS.md only."""

from benchmarks.__main__ import merge_sections

OLD = """# Benchmark results

Machine: somewhere

## data (13 s)

| figure | measured | comparison |
| load | 1 s | ok |

## grade (1222 s)

| figure | measured | comparison |
| class | 26.6 min | MISSED |

## layers (28 s)

| conv | 10 ms | ok |
"""


def test_a_rerun_section_replaces_its_old_one_in_place():
    """Does grade's new section take the old one's place, data and layers left as they were?"""
    merged = merge_sections(OLD, ["## grade (300 s)\n\n| class | 7.0 min | ok |\n"])
    assert [s.splitlines()[0] for s in merged] == [
        "## data (13 s)",
        "## grade (300 s)",
        "## layers (28 s)",
    ]
    assert "26.6 min" not in "".join(merged)
    assert "| load | 1 s | ok |" in merged[0]


def test_a_new_benchmark_is_added_at_the_end():
    merged = merge_sections(OLD, ["## speed (1 s)\n\nrows\n"])
    assert merged[-1] == "## speed (1 s)\n\nrows\n"
    assert len(merged) == 4

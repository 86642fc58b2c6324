"""The mistake corpus: typical wrong implementations of the student functions.

Each mistake is a small patch to the instructor's solution (`Patch`: a text
that must occur exactly once, and its replacement) with a one-line
description, the student functions it breaks, and the cells spared with the
reason (a cell that calls a broken function but provably cannot see the bug).
The grader must take points from every other cell that calls a broken
function, from no cell that calls none, and every hint of a cell that loses
points must match the mistake's `symptom`. HARMLESS variants look wrong but
are not: they must keep full marks.

The six mistakes of the demo class (autograder/demo/mistakes.py) are part of
the corpus; the rest are here, one module per part of the assignment.
"""

from dataclasses import replace

from autograder.demo.mistakes import MISTAKES as DEMO_MISTAKES

from . import conv, model, norm, optim, pool, training, transpose

#: mistake id -> what every hint of a cell grading the broken function must say:
#: the wrong output by name and how it is wrong, or the mistake itself.
SYMPTOMS = {
    "mistake-conv-stride": r"shape",
    "mistake-conv-db": r"db has shape",
    "mistake-maxpool-index": r"\bdx\b",
    "mistake-avgpool-share": r"dx is \d+ times the expected value",
    "mistake-bn-axes": r"\bout\b|running_(mean|var)",
    "mistake-l2-half": r"\bloss\b",
    "mistake-conv-window-stride": r"\bout\b",
    "mistake-conv-bias-twice": r"off by a constant per index of axis 1|b added twice",
    "mistake-conv-no-bias": r"off by a constant per index of axis 1|b never added",
    "mistake-conv-same-pad-side": r"\bout\b",
    "mistake-conv-flipped-kernel": r"\bout\b",
    "mistake-conv-window-same-index": r"\bout\b|raised ValueError",
    "mistake-conv-dx-not-cropped": r"dx has shape",
    "mistake-conv-dx-crop-corner": r"\bdx\b",
    "mistake-conv-dw-not-accumulated": r"\bdw\b",
    "mistake-conv-dx-not-accumulated": r"\bdx\b",
    "mistake-conv-db-mean": r"db is 1/\d+ of the expected value",
    "mistake-conv-dw-unpadded": r"\bdw\b|raised ValueError",
    "mistake-maxpool-window-stride": r"\bout\b",
    "mistake-maxpool-height-for-width": r"\bout\b",
    "mistake-maxpool-window-same-index": r"\bout\b|raised ValueError",
    "mistake-maxpool-every-max": r"\bdx\b",
    "mistake-maxpool-assign": r"\bdx\b",
    "mistake-maxpool-bwd-no-stride": r"\bdx\b",
    "mistake-avgpool-sum": r"out is \d+ times the expected value",
    "mistake-avgpool-divide-by-stride": r"dx is [\d.]+ times the expected value|\bdx\b",
    "mistake-avgpool-assign": r"\bdx\b",
    "mistake-maxpool-pad-zeros": r"\bout\b|\bdx\b",
    "mistake-avgpool-full-window": r"\bout\b|\bdx\b",
    "mistake-avgpool-pad-side": r"\bout\b",
    "mistake-maxpool-ceil": r"shape",
    "mistake-bn-test-mode-trains": r"running_(mean|var)|\bout\b",
    "mistake-bn-backward-axes": r"\bdx\b|dgamma|dbeta",
    "mistake-gn-groups-axis": r"\bout\b",
    "mistake-gn-batch-mean": r"\bout\b",
    "mistake-gn-dbeta-per-example": r"dbeta has shape",
    "mistake-gn-dgamma-is-dbeta": r"dgamma",
    "mistake-gn-dx-no-variance-term": r"\bdx\b",
    "mistake-transpose-flipped-kernel": r"\bout\b",
    "mistake-transpose-stride": r"\bout\b",
    "mistake-transpose-crop-corner": r"\bout\b",
    "mistake-transpose-no-bias": r"off by a constant per index of axis 1|b never added",
    "mistake-transpose-db-per-example": r"db has shape",
    "mistake-transpose-dw-not-accumulated": r"\bdw\b",
    "mistake-l2-biases": r"\bloss\b|grads\['b",
    "mistake-l2-no-gradient": r"grads\['W",
    "mistake-relu-skipped": r"grads\['[Wb]",
    "mistake-init-unpooled": r"shape",
    "mistake-init-scale": r"standard deviation too large",
    "mistake-momentum-sign": r"\bnext_w\b|\bparams\b",
    "mistake-momentum-velocity-not-stored": r"\bvelocity\b|\bnext_w\b|\bparams\b",
    "mistake-rmsprop-eps-inside-sqrt": r"\bnext_w\b",
    "mistake-rmsprop-no-sqrt": r"\bnext_w\b",
    "mistake-rmsprop-decay-swapped": r"\bcache\b|\bnext_w\b",
    "mistake-adam-stores-corrected": r"\b[mv]\b|\bnext_w\b|classifies \d+% of the",
    "mistake-adam-no-bias-correction": r"\bnext_w\b|classifies \d+% of the training images",
    "mistake-adam-t-not-stored": r"\bt\b|classifies \d+% of the training images",
    "mistake-adam-no-sqrt": r"\bnext_w\b|classifies \d+% of the training images",
    "mistake-solver-no-update": r"\bparams\b|classifies \d+% of the training images",
    "mistake-solver-labels": r"\bparams\b|classifies \d+% of the training images",
    "mistake-solver-fresh-config": r"\bvelocity\b|\bparams\b|classifies \d+% of the",
    "mistake-accuracy-last-batch": r"\baccuracy\b|\bsampled\b",
    "mistake-accuracy-no-replacement": r"\bsampled\b",
    "mistake-accuracy-axis": r"check_accuracy|\baccuracy\b",
    "mistake-train-not-called": r"solver\.train\(\) called",
}

#: Every mistake, the demo's first, each with its symptom.
MISTAKES = tuple(
    replace(m, symptom=SYMPTOMS[m.student_id])
    for m in (
        *DEMO_MISTAKES,
        *conv.MISTAKES,
        *pool.MISTAKES,
        *norm.MISTAKES,
        *transpose.MISTAKES,
        *model.MISTAKES,
        *optim.MISTAKES,
        *training.MISTAKES,
    )
)
#: Variants that must keep full marks.
HARMLESS = model.HARMLESS

BY_ID = {m.student_id: m for m in (*MISTAKES, *HARMLESS)}
if len(BY_ID) != len(MISTAKES) + len(HARMLESS):
    raise ValueError("two corpus mistakes share an id")

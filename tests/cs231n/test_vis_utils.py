"""Tests of cs231n/vis_utils.py: grid shapes, tile positions and scaling worked out by hand."""

import numpy as np
import pytest

from cs231n.vis_utils import vis_grid, vis_nn, visualize_grid


def ramp_images(N, H, W, C):
    """N distinct images, image n holding n * 1000 + 0, 1, 2, ... so every tile is recognisable."""
    base = np.arange(H * W * C, dtype=np.float64).reshape(H, W, C)
    return np.stack([n * 1000.0 + base for n in range(N)])


# ---------------------------------------------------------------------------
# visualize_grid


@pytest.mark.parametrize(
    ("N", "padding", "expected"),
    [
        (1, 1, (3, 2, 3)),  # G = 1
        (4, 1, (7, 5, 3)),  # G = 2: 2 * 3 + 1, 2 * 2 + 1
        (5, 1, (11, 8, 3)),  # G = 3: 3 * 3 + 2, 3 * 2 + 2
        (9, 0, (9, 6, 3)),  # G = 3, no padding
        (10, 2, (18, 14, 3)),  # G = 4: 4 * 3 + 3 * 2, 4 * 2 + 3 * 2
    ],
)
def test_visualize_grid_shape(N, padding, expected):
    """Is the grid (G*H + (G-1)*padding, G*W + (G-1)*padding, C) with G = ceil(sqrt(N))?"""
    grid = visualize_grid(ramp_images(N, 3, 2, 3), padding=padding)
    assert grid.shape == expected


def test_visualize_grid_tiles_and_scaling_by_hand():
    """Is each tile its own image stretched onto [0, ubound], row by row, with zero padding?"""
    Xs = np.array([[[[0.0], [5.0], [10.0]]], [[[-1.0], [-3.0], [-2.0]]], [[[7.0], [7.0], [8.0]]]])
    # Three (1, 3, 1) images, G = 2: tiles at (row 0, col 0), (0, 1), (1, 0); padding 1.
    grid = visualize_grid(Xs, ubound=255.0, padding=1)
    assert grid.shape == (3, 7, 1)
    np.testing.assert_allclose(grid[0, 0:3, 0], [0.0, 127.5, 255.0])
    np.testing.assert_allclose(grid[0, 4:7, 0], [255.0, 0.0, 127.5])
    np.testing.assert_allclose(grid[2, 0:3, 0], [0.0, 0.0, 255.0])
    # The padding row and column, and the empty fourth cell, stay 0.
    np.testing.assert_array_equal(grid[1], 0.0)
    np.testing.assert_array_equal(grid[:, 3], 0.0)
    np.testing.assert_array_equal(grid[2, 4:7], 0.0)


def test_visualize_grid_ubound_and_constant_tiles():
    """Is ubound the top of the range, and does a constant image give zeros without a warning?"""
    Xs = np.stack([np.full((2, 2, 3), 4.0), ramp_images(1, 2, 2, 3)[0]])
    grid = visualize_grid(Xs, ubound=1.0, padding=0)
    np.testing.assert_array_equal(grid[:, :2], 0.0)
    assert grid[:, 2:].min() == 0.0
    assert grid[:, 2:].max() == 1.0


def test_visualize_grid_uint8_images():
    """Do uint8 images (as CIFAR-10 is stored) give the same float grid as their float copies?"""
    Xs = np.random.default_rng(1).integers(0, 256, (3, 4, 4, 3)).astype(np.uint8)
    grid = visualize_grid(Xs)
    assert grid.dtype == np.float64
    np.testing.assert_array_equal(grid, visualize_grid(Xs.astype(np.float64)))


def test_visualize_grid_filters_layout():
    """Do conv weights (F, C, HH, WW), transposed to (F, HH, WW, C), give a grid as documented?"""
    w = np.random.default_rng(0).standard_normal((32, 3, 7, 7))
    grid = visualize_grid(w.transpose(0, 2, 3, 1))
    assert grid.shape == (6 * 7 + 5, 6 * 7 + 5, 3)
    assert grid.min() == 0.0
    assert grid.max() == 255.0


@pytest.mark.parametrize(
    ("Xs", "error", "match"),
    [
        (np.zeros((2, 3, 3)), ValueError, r"\(N, H, W, C\), got shape \(2, 3, 3\)"),
        (np.zeros((0, 3, 3, 1)), ValueError, "at least one image"),
        ([[[[1.0]]]], TypeError, "numpy array"),
        (np.zeros((1, 2, 2, 1), dtype=bool), ValueError, "real numbers"),
    ],
)
def test_visualize_grid_bad_input(Xs, error, match):
    """Are a wrong rank, no images, a list or booleans rejected with the shape in the message?"""
    with pytest.raises(error, match=match):
        visualize_grid(Xs)


@pytest.mark.parametrize("padding", [-1, 1.5, True])
def test_visualize_grid_bad_padding(padding):
    """Is a padding that is not a non-negative int a ValueError naming padding?"""
    with pytest.raises(ValueError, match="padding"):
        visualize_grid(np.zeros((1, 2, 2, 1)), padding=padding)


# ---------------------------------------------------------------------------
# vis_grid


def test_vis_grid_shape_and_common_scale():
    """Is vis_grid (A*(H+1), A*(W+1), C), with all tiles on one [0, 1] scale?"""
    Xs = ramp_images(5, 2, 3, 1)  # A = 3
    G = vis_grid(Xs)
    assert G.shape == (9, 12, 1)
    low, high = Xs.min(), Xs.max()
    for n in range(5):
        row, col = divmod(n, 3)
        tile = G[row * 3 : row * 3 + 2, col * 4 : col * 4 + 3]
        np.testing.assert_allclose(tile, (Xs[n] - low) / (high - low))
    assert G.min() == 0.0
    assert G.max() == 1.0
    # Separators (the row after each tile) take the smallest value: 0 after scaling.
    np.testing.assert_array_equal(G[2], 0.0)
    np.testing.assert_array_equal(G[:, 3], 0.0)


def test_vis_grid_rejects_a_wrong_rank():
    """Is a 3-D input a ValueError naming the (N, H, W, C) layout?"""
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        vis_grid(np.zeros((4, 4, 3)))


# ---------------------------------------------------------------------------
# vis_nn


def test_vis_nn_places_rows_and_columns():
    """Does rows[i][j] land in tile (i, j) of an (N*(H+1), D*(W+1), C) grid on one [0, 1] scale?"""
    images = ramp_images(6, 2, 2, 3)
    rows = [[images[0], images[1], images[2]], [images[3], images[4], images[5]]]
    G = vis_nn(rows)
    assert G.shape == (2 * 3, 3 * 3, 3)
    low, high = images.min(), images.max()
    for i in range(2):
        for j in range(3):
            tile = G[i * 3 : i * 3 + 2, j * 3 : j * 3 + 2]
            np.testing.assert_allclose(tile, (rows[i][j] - low) / (high - low))
    np.testing.assert_array_equal(G[2], 0.0)


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([], "non-empty"),
        ([[np.zeros((2, 2, 1))], []], "non-empty"),
        ([[np.zeros((2, 2, 1))], [np.zeros((2, 2, 1))] * 2], r"same number of images.*\[1, 2\]"),
        ([[np.zeros((2, 2, 1)), np.zeros((2, 3, 1))]], "same shape"),
        ([[np.zeros((2, 2))]], r"\(H, W, C\)"),
    ],
)
def test_vis_nn_bad_input(rows, match):
    """Are empty, ragged or mismatched rows ValueErrors saying what is wrong?"""
    with pytest.raises(ValueError, match=match):
        vis_nn(rows)

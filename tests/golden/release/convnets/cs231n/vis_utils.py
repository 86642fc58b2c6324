# GENERATED for this assignment from assignment/cs231n/vis_utils.py (convkit).
# Students: this file is provided complete; read it, you need not change it.
"""Lay out a batch of small images (or filters) as one large image, for plt.imshow.

All three functions take images in (H, W, C) layout, channels last, as
matplotlib expects. Convolution weights are stored (F, C, HH, WW), so
transpose them first:

    grid = visualize_grid(model.params["W1"].transpose(0, 2, 3, 1))
    plt.imshow(grid.astype("uint8"))

The tiles fill the grid row by row; cells left over when N is not a perfect
square stay at the background value.
"""

import math
import numbers

import numpy as np


def _check_images(Xs):
    """Check that Xs is a (N, H, W, C) array of real numbers holding at least one image."""
    if not isinstance(Xs, np.ndarray):
        raise TypeError(f"Xs must be a numpy array of shape (N, H, W, C), got {type(Xs).__name__}")
    if Xs.ndim != 4:
        raise ValueError(
            f"Xs must have 4 dimensions (N, H, W, C), got shape {Xs.shape}; "
            f"for grayscale images add a channel axis with Xs[..., None]"
        )
    if not (np.issubdtype(Xs.dtype, np.floating) or np.issubdtype(Xs.dtype, np.integer)):
        raise ValueError(f"Xs must hold real numbers, got dtype {Xs.dtype}")
    if Xs.shape[0] == 0:
        raise ValueError(f"Xs must hold at least one image, got shape {Xs.shape}")


def _rescale(a, low, high, ubound):
    """Map [low, high] linearly onto [0, ubound]; a constant array maps to zeros."""
    if high == low:
        return np.zeros(a.shape)
    # Divide first: (a - low) / (high - low) is at most exactly 1, so no value overshoots ubound.
    return (a - low) / (high - low) * ubound


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Reshape a 4D tensor of image data to a grid for easy visualization.

    The grid has G = ceil(sqrt(N)) tiles per side. Each image is rescaled on
    its own so that its smallest value becomes 0 and its largest ubound (an
    image with a single value becomes all 0); the padding between tiles is 0.

    Inputs:
    - Xs: Data of shape (N, H, W, C)
    - ubound: Output grid will have values scaled to the range [0, ubound]
    - padding: The number of blank pixels between elements of the grid

    Returns:
    - grid: A float array of shape (G * H + (G - 1) * padding,
      G * W + (G - 1) * padding, C)
    """
    _check_images(Xs)
    if not isinstance(padding, numbers.Integral) or isinstance(padding, bool) or padding < 0:
        raise ValueError(f"padding must be a non-negative integer, got {padding!r}")
    if not ubound > 0:
        raise ValueError(f"ubound must be positive, got {ubound!r}")
    N, H, W, C = Xs.shape
    G = math.ceil(math.sqrt(N))
    grid = np.zeros((G * H + (G - 1) * padding, G * W + (G - 1) * padding, C))
    for n in range(N):
        # Tile n sits in row n // G and column n % G of the grid.
        row, col = divmod(n, G)
        y0 = row * (H + padding)
        x0 = col * (W + padding)
        # Stretch this image's own range of values onto [0, ubound].
        img = Xs[n].astype(np.float64)
        grid[y0 : y0 + H, x0 : x0 + W] = _rescale(img, img.min(), img.max(), ubound)
    return grid


def vis_grid(Xs):
    """Visualize a grid of images, all scaled together.

    Unlike `visualize_grid`, the images share one scale: the whole grid,
    separators included, is mapped so that the smallest value of Xs becomes 0
    and the largest 1. The one-pixel separators after each tile take the
    smallest value of Xs (black).

    Inputs:
    - Xs: Data of shape (N, H, W, C)

    Returns:
    - G: A float array of shape (A * (H + 1), A * (W + 1), C) with values in
      [0, 1], where A = ceil(sqrt(N)).
    """
    _check_images(Xs)
    N, H, W, C = Xs.shape
    A = math.ceil(math.sqrt(N))
    low = float(Xs.min())
    # Start from a background at the smallest value, then paste the tiles.
    G = np.full((A * (H + 1), A * (W + 1), C), low)
    for n in range(N):
        row, col = divmod(n, A)
        y0 = row * (H + 1)
        x0 = col * (W + 1)
        G[y0 : y0 + H, x0 : x0 + W] = Xs[n]
    # One common scale for every tile.
    return _rescale(G, low, float(Xs.max()), 1.0)


def vis_nn(rows):
    """Visualize an array of arrays of images, e.g. nearest neighbours row by row.

    rows[i][j] becomes the tile in row i and column j. As in `vis_grid`, all
    tiles share one scale onto [0, 1] and the one-pixel separators after each
    tile take the smallest value (black).

    Inputs:
    - rows: A list of N lists, each of D images of shape (H, W, C)

    Returns:
    - G: A float array of shape (N * (H + 1), D * (W + 1), C) with values in
      [0, 1].
    """
    if len(rows) == 0 or any(len(row) == 0 for row in rows):
        raise ValueError("rows must be a non-empty list of non-empty lists of images")
    D = len(rows[0])
    if any(len(row) != D for row in rows):
        lengths = [len(row) for row in rows]
        raise ValueError(f"every row must hold the same number of images, got lengths {lengths}")
    # All images must share one shape; stack them into one (N, D, H, W, C) array.
    shapes = {np.shape(img) for row in rows for img in row}
    if len(shapes) != 1:
        raise ValueError(f"every image must have the same shape, got shapes {sorted(shapes)}")
    images = np.array([[np.asarray(img) for img in row] for row in rows])
    if images.ndim != 5:
        raise ValueError(f"every image must have shape (H, W, C), got {images.shape[2:]}")
    N, D, H, W, C = images.shape
    low = float(images.min())
    # Start from a background at the smallest value, then paste the tiles.
    G = np.full((N * (H + 1), D * (W + 1), C), low)
    for i in range(N):
        for j in range(D):
            G[i * (H + 1) : i * (H + 1) + H, j * (W + 1) : j * (W + 1) + W] = images[i, j]
    # One common scale for every tile.
    return _rescale(G, low, float(images.max()), 1.0)

"""Fast convolution and pooling layers in pure numpy (provided code: read it to learn how).

The naive layers of `layers.py` loop over every output pixel in Python. The
layers here compute the same numbers with a handful of large numpy operations
and no compiled extension. Two ideas do all the work.

1. A strided window view turns a convolution into ONE matrix product.
   `np.lib.stride_tricks.sliding_window_view` presents every HH x WW window of
   the padded input as an extra pair of axes without copying anything; keeping
   every stride-th window selects the ones the convolution uses. Copying that
   view once into a matrix `x_cols` ("im2col") with one row per
   (channel, kernel row, kernel column) and one column per output pixel,

       x_cols: (C * HH * WW, N * H' * W')
       w_rows = w.reshape(F, C * HH * WW)
       out    = w_rows @ x_cols                       # (F, N * H' * W')

   computes every dot product of every filter with every window in a single
   call to the BLAS matrix multiply, which is tens of times faster than
   Python loops. The batch axis N sits among the columns (the padded input is
   stored channels first, (C, N, H, W)), so the whole batch is one product
   and the backward pass needs no per-example loop either.

2. The backward pass scatters back with one vectorised add per kernel offset.
   The gradient of a matrix product is two more matrix products:

       dw      = dout_rows @ x_cols.T                 # (F, C * HH * WW)
       dx_cols = w_rows.T @ dout_rows                 # (C * HH * WW, N * H' * W')

   Row (c, kh, kw) of `dx_cols` holds, for every output pixel, the gradient
   of the input value that sat at offset (kh, kw) of its window. All those
   values live on one strided grid of the padded input (rows kh, kh + stride,
   ..., columns kw, kw + stride, ...), so "col2im" adds the row into that grid
   with one in-place slice addition (`+=`). That is HH * WW numpy additions in all, never a
   loop over pixels, and overlapping windows accumulate by themselves.

Pooling uses the same grids: the element at offset (a, b) of every pooling
window is `x[:, :, a::stride, b::stride]` (cut to H' x W'), so a max or an
average over all windows is a loop over the PH * PW window offsets, each step
a whole-array operation. The transposed convolution is the convolution's
input gradient, so it reuses the same two helpers in the opposite order.

Every function has the interface of its naive twin in `layers.py`:

    out, cache = layer_forward_fast(x, ..., param)
    dx, ...    = layer_backward_fast(dout, cache)

Each one starts with the argument check of `shapes.py` (so bad shapes raise a
ValueError naming the problem), accepts every padding form of `conv_param['pad']`
(an int, a pair (pad_h, pad_w), 'valid', 'same') and every stride, never
modifies its inputs, keeps float32 in float32 (integers become float64), and
returns C-contiguous arrays. Each cache starts with exactly the naive layer's
cache, followed by what the fast backward pass reuses; the docstrings list it.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .shapes import (
    check_conv_args,
    check_conv_transpose_args,
    check_dout,
    check_pool_args,
    conv_output_shape,
    float_dtype,
    pool_output_shape,
)

# ---------------------------------------------------------------------------
# Helpers shared by the layers
# ---------------------------------------------------------------------------


def _grid(start, count, stride):
    """The slice start, start + stride, ..., start + (count - 1) * stride."""
    return slice(start, start + count * stride, stride)


def _pad_channels_first(a, pads, dtype):
    """Zero-pad the spatial axes of `a` and move its channels in front.

    Inputs:
    - a: array of shape (N, C, H, W)
    - pads: (pad_top, pad_bottom, pad_left, pad_right)
    - dtype: dtype of the result

    Returns a new array of shape (C, N, pad_top + H + pad_bottom, pad_left + W + pad_right).
    """
    N, C, H, W = a.shape
    pad_top, pad_bottom, pad_left, pad_right = pads
    a_pad = np.zeros((C, N, pad_top + H + pad_bottom, pad_left + W + pad_right), dtype=dtype)
    # One copy writes the interior; the border stays zero.
    a_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W] = a.transpose(1, 0, 2, 3)
    return a_pad


def _im2col(a_pad, HH, WW, stride, H_out, W_out):
    """Lay out every HH x WW window of `a_pad` as a column of a matrix.

    Inputs:
    - a_pad: padded input, channels first, of shape (C, N, Hp, Wp)
    - HH, WW: window height and width
    - stride: distance between the top-left corners of neighbouring windows
    - H_out, W_out: number of windows down and across, 1 + (Hp - HH) // stride
      and 1 + (Wp - WW) // stride

    Returns cols, a new C-contiguous array of shape (C * HH * WW, N * H_out * W_out):
    cols[(c, kh, kw), (n, i, j)] = a_pad[c, n, i * stride + kh, j * stride + kw].
    """
    C, N = a_pad.shape[:2]
    # A view of shape (C, N, Hp - HH + 1, Wp - WW + 1, HH, WW): no data is copied.
    windows = sliding_window_view(a_pad, (HH, WW), axis=(2, 3))
    # Keep every stride-th window: (C, N, H_out, W_out, HH, WW), still a view.
    windows = windows[:, :, _grid(0, H_out, stride), _grid(0, W_out, stride)]
    # Put the kernel offsets next to the channel, then copy once into a matrix
    # (reshape copies, because the strided view cannot be flattened in place).
    windows = windows.transpose(0, 4, 5, 1, 2, 3)  # (C, HH, WW, N, H_out, W_out)
    return windows.reshape(C * HH * WW, N * H_out * W_out)


def _col2im(cols, padded_shape, HH, WW, stride, H_out, W_out):
    """Add every column of `cols` back into the window it came from: the adjoint of _im2col.

    Inputs:
    - cols: array of shape (C * HH * WW, N * H_out * W_out)
    - padded_shape: (C, N, Hp, Wp), the shape of the result
    - HH, WW, stride, H_out, W_out: as in _im2col

    Returns a_pad of shape (C, N, Hp, Wp): each entry is the sum of the entries of
    `cols` that _im2col would have copied from it (zero where no window reaches).
    """
    C, N = padded_shape[:2]
    cols = cols.reshape(C, HH, WW, N, H_out, W_out)
    a_pad = np.zeros(padded_shape, dtype=cols.dtype)
    for kh in range(HH):
        for kw in range(WW):
            # Offset (kh, kw) of every window lies on one strided grid of a_pad:
            # one vectorised add of a (C, N, H_out, W_out) block.
            a_pad[:, :, _grid(kh, H_out, stride), _grid(kw, W_out, stride)] += cols[:, kh, kw]
    return a_pad


def _channels_first_to_nchw(a, shape):
    """Return a (C, N, H, W) array as a new C-contiguous array of the given shape (N, C, H, W)."""
    N, C, H, W = shape
    return np.ascontiguousarray(a.reshape(C, N, H, W).transpose(1, 0, 2, 3))


# ---------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------


def conv_forward_fast(x, w, b, conv_param):
    """A fast implementation of the forward pass for a convolutional layer (im2col + one GEMM).

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - w: Filter weights of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: A dictionary with the following keys:
      - 'stride': The number of pixels between adjacent receptive fields in the
        horizontal and vertical directions.
      - 'pad': an int (zeros on all four sides), a pair (pad_h, pad_w), 'valid'
        or 'same'; shapes.py resolves it into pad_top, pad_bottom, pad_left
        and pad_right.

    Returns a tuple of:
    - out: Output data, of shape (N, F, H', W') where H' and W' are given by
      H' = 1 + (H + pad_top + pad_bottom - HH) // stride
      W' = 1 + (W + pad_left + pad_right - WW) // stride
    - cache: (x, w, b, conv_param, x_cols), where x_cols, of shape
      (C * HH * WW, N * H' * W'), holds every window of the padded input as a
      column (see the module docstring); cache[:4] is the naive layer's cache.
    """
    stride, pads = check_conv_args(x, w, b, conv_param)
    N, F, H_out, W_out = conv_output_shape(x.shape, w.shape, stride, pads)
    _, C, HH, WW = w.shape
    dtype = float_dtype(x, w, b)
    # 1. Zero-pad x, channels first: (C, N, Hp, Wp), Hp = pad_top + H + pad_bottom.
    x_pad = _pad_channels_first(x, pads, dtype)
    # 2. One column per output pixel: (C * HH * WW, N * H' * W').
    x_cols = _im2col(x_pad, HH, WW, stride, H_out, W_out)
    # 3. Every filter times every window, in one matrix product: (F, N * H' * W').
    w_rows = w.reshape(F, C * HH * WW).astype(dtype, copy=False)
    out_rows = w_rows @ x_cols
    # 4. Back to (N, F, H', W'), adding the bias during the copy.
    out = np.empty((N, F, H_out, W_out), dtype=dtype)
    np.add(out_rows.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3), b[:, None, None], out=out)
    cache = (x, w, b, conv_param, x_cols)
    return out, cache


def conv_backward_fast(dout, cache):
    """A fast implementation of the backward pass for a convolutional layer (two GEMMs + col2im).

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H', W')
    - cache: A tuple of (x, w, b, conv_param, x_cols) as in conv_forward_fast

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)
    """
    x, w, b, conv_param, x_cols = cache
    stride, pads = check_conv_args(x, w, b, conv_param)
    N, F, H_out, W_out = conv_output_shape(x.shape, w.shape, stride, pads)
    check_dout(dout, (N, F, H_out, W_out), "(N, F, H', W')")
    _, C, H, W = x.shape
    _, _, HH, WW = w.shape
    pad_top, pad_bottom, pad_left, pad_right = pads
    dtype = float_dtype(x, w, dout)
    # 1. The bias touched every output pixel of its filter.
    db = dout.sum(axis=(0, 2, 3), dtype=dtype)
    # 2. dout in the layout of out_rows: one row per filter, (F, N * H' * W').
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, N * H_out * W_out).astype(dtype, copy=False)
    # 3. out_rows = w_rows @ x_cols, so dw_rows = dout_rows @ x_cols.T (one product).
    #    BLAS spreads its transpose x_cols @ dout_rows.T (the long matrix on the left)
    #    far better over several threads: compute that, and copy it back transposed.
    dw_rows = np.ascontiguousarray((x_cols @ dout_rows.T).T, dtype=dtype)
    dw = dw_rows.reshape(F, C, HH, WW)
    # 4. ... and dx_cols = w_rows.T @ dout_rows: the gradient of every column of x_cols.
    w_rows = w.reshape(F, C * HH * WW).astype(dtype, copy=False)
    dx_cols = w_rows.T @ dout_rows
    # 5. col2im sums each column back into its window of the padded input.
    padded_shape = (C, N, pad_top + H + pad_bottom, pad_left + W + pad_right)
    dx_pad = _col2im(dx_cols, padded_shape, HH, WW, stride, H_out, W_out)
    # 6. The padding was a constant: drop its gradient, and return to (N, C, H, W).
    dx = dx_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W].transpose(1, 0, 2, 3)
    return np.ascontiguousarray(dx), dw, db


# CS231n's historical names for the same layers (they used Cython; these are the numpy ones).
conv_forward_im2col = conv_forward_fast
conv_backward_im2col = conv_backward_fast
conv_forward_strides = conv_forward_fast
conv_backward_strides = conv_backward_fast


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


def _windows_tile(PH, PW, stride):
    """True when the pooling windows neither overlap nor leave gaps (stride == PH == PW).

    Then every input belongs to exactly one window (check_pool_args has made
    sure the windows reach the last row and column), and the backward pass may
    write each offset's grid instead of adding into a zeroed array.
    """
    return PH == stride and PW == stride


def max_pool_forward_fast(x, pool_param):
    """A fast implementation of the forward pass for a max-pooling layer.

    Walks over the PH * PW offsets of the window in row-major order; the view
    x[:, :, a::stride, b::stride] (cut to H' x W') holds the element at offset
    (a, b) of every window at once. A running maximum, updated only where an
    offset is strictly larger, remembers the FIRST maximum of each window.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height' (PH): The height of each pooling region
      - 'pool_width' (PW): The width of each pooling region
      - 'stride': The distance between adjacent pooling regions; it must tile
        the input, and windows may overlap (stride < PH) or leave gaps.

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where H' and W' are given by
      H' = 1 + (H - PH) // stride
      W' = 1 + (W - PW) // stride
    - cache: (x, pool_param, argmax), where argmax, of shape (N, C, H', W'),
      holds the row-major offset a * PW + b, within its window, of each
      window's first maximum; cache[:2] is the naive layer's cache.
    """
    PH, PW, stride = check_pool_args(x, pool_param)
    N, C, H_out, W_out = pool_output_shape(x.shape, PH, PW, stride)
    # 1. Start from offset (0, 0) of every window (a copy: x is never written).
    out = np.array(x[:, :, _grid(0, H_out, stride), _grid(0, W_out, stride)], dtype=float_dtype(x))
    # The smallest unsigned type that holds every offset keeps the cache small.
    argmax = np.zeros((N, C, H_out, W_out), dtype=np.min_scalar_type(PH * PW - 1))
    # A NaN counts as the largest value, as in np.argmax and np.max (rare: test once).
    has_nan = np.issubdtype(x.dtype, np.floating) and bool(np.isnan(x).any())
    for k in range(1, PH * PW):
        a, b = divmod(k, PW)
        # 2. Offset (a, b) of every window, as one strided view.
        candidate = x[:, :, _grid(a, H_out, stride), _grid(b, W_out, stride)]
        # 3. Strictly larger only: on a tie the earlier offset keeps the gradient.
        larger = candidate > out
        if has_nan:
            larger |= np.isnan(candidate) & ~np.isnan(out)
        # argmax = k where larger, else unchanged (arithmetic beats a masked assignment).
        argmax += larger * (k - argmax)
        np.maximum(out, candidate, out=out)
    cache = (x, pool_param, argmax)
    return out, cache


def max_pool_backward_fast(dout, cache):
    """A fast implementation of the backward pass for a max-pooling layer.

    Each window's gradient goes to one input: its first maximum in row-major
    order (the offset stored in argmax). Where windows overlap, an input
    collects the gradients of every window it is the maximum of.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple of (x, pool_param, argmax) as in max_pool_forward_fast

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param, argmax = cache
    PH, PW, stride = check_pool_args(x, pool_param)
    N, C, H_out, W_out = pool_output_shape(x.shape, PH, PW, stride)
    check_dout(dout, (N, C, H_out, W_out), "(N, C, H', W')")
    dtype = float_dtype(x, dout)
    tiled = _windows_tile(PH, PW, stride)
    # When the windows tile x, every entry of dx is written below; otherwise start from zero.
    dx = np.empty(x.shape, dtype=dtype) if tiled else np.zeros(x.shape, dtype=dtype)
    for k in range(PH * PW):
        a, b = divmod(k, PW)
        grid = dx[:, :, _grid(a, H_out, stride), _grid(b, W_out, stride)]
        # dout where offset (a, b) was the window's first maximum, 0 elsewhere.
        if tiled:
            np.multiply(argmax == k, dout, out=grid)
        else:
            grid += (argmax == k) * dout
    return dx


def avg_pool_forward_fast(x, pool_param):
    """A fast implementation of the forward pass for an average-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height' (PH): The height of each pooling region
      - 'pool_width' (PW): The width of each pooling region
      - 'stride': The distance between adjacent pooling regions

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where H' and W' are given by
      H' = 1 + (H - PH) // stride
      W' = 1 + (W - PW) // stride
    - cache: (x, pool_param), as in the naive layer
    """
    PH, PW, stride = check_pool_args(x, pool_param)
    N, C, H_out, W_out = pool_output_shape(x.shape, PH, PW, stride)
    out = np.zeros((N, C, H_out, W_out), dtype=float_dtype(x))
    # 1. Sum the element at each window offset (a, b), one strided view at a time.
    for a in range(PH):
        for b in range(PW):
            out += x[:, :, _grid(a, H_out, stride), _grid(b, W_out, stride)]
    # 2. Divide by the window's size.
    out /= PH * PW
    cache = (x, pool_param)
    return out, cache


def avg_pool_backward_fast(dout, cache):
    """A fast implementation of the backward pass for an average-pooling layer.

    Every input of a window receives an equal share, dout / (PH * PW), of the
    window's gradient; overlapping windows add up.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple of (x, pool_param) as in avg_pool_forward_fast

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param = cache
    PH, PW, stride = check_pool_args(x, pool_param)
    N, C, H_out, W_out = pool_output_shape(x.shape, PH, PW, stride)
    check_dout(dout, (N, C, H_out, W_out), "(N, C, H', W')")
    dtype = float_dtype(x, dout)
    # 1. Each of the PH * PW inputs of a window gets the same share.
    share = (dout / (PH * PW)).astype(dtype, copy=False)
    tiled = _windows_tile(PH, PW, stride)
    dx = np.empty(x.shape, dtype=dtype) if tiled else np.zeros(x.shape, dtype=dtype)
    # 2. Hand it to offset (a, b) of every window at once.
    for a in range(PH):
        for b in range(PW):
            grid = dx[:, :, _grid(a, H_out, stride), _grid(b, W_out, stride)]
            if tiled:
                grid[...] = share
            else:
                grid += share
    return dx


# ---------------------------------------------------------------------------
# Transposed convolution
# ---------------------------------------------------------------------------


def conv_transpose_forward_fast(x, w, b, conv_param):
    """A fast implementation of the forward pass for a transposed convolution.

    The transposed convolution is the input gradient of the convolution with
    the same w, stride and pad, so it runs conv_backward_fast's steps 4 to 6:
    one matrix product gives every scaled filter copy x[n, :, i, j] . w, and
    col2im adds each into its window of the padded output.

    Inputs:
    - x: Input data of shape (N, F, H, W)
    - w: Filter weights of shape (F, C, HH, WW): the layout of the convolution
      this one transposes (F of its output channels, C of its input channels)
    - b: Biases, of shape (C,)
    - conv_param: A dictionary with 'stride' and 'pad' (an int, a pair
      (pad_h, pad_w), 'valid' or 'same'), those of the convolution transposed

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W'), where for an int pad
      H' = (H - 1) * stride - 2 * pad + HH
      W' = (W - 1) * stride - 2 * pad + WW
      ('valid' is pad 0; 'same' gives H' = H * stride and W' = W * stride).
    - cache: (x, w, b, conv_param), as in the naive layer
    """
    stride, pads, (H_out, W_out) = check_conv_transpose_args(x, w, b, conv_param)
    N, F, H, W = x.shape
    _, C, HH, WW = w.shape
    pad_top, pad_bottom, pad_left, pad_right = pads
    dtype = float_dtype(x, w, b)
    # 1. x with one row per input channel f: (F, N * H * W).
    x_rows = x.transpose(1, 0, 2, 3).reshape(F, N * H * W).astype(dtype, copy=False)
    # 2. Column (n, i, j) is the patch x[n, :, i, j] . w, flattened: (C * HH * WW, N * H * W).
    w_rows = w.reshape(F, C * HH * WW).astype(dtype, copy=False)
    patches = w_rows.T @ x_rows
    # 3. Add each patch into its window of the padded output (pixel (i, j) of x
    #    owns rows i * stride : i * stride + HH and columns j * stride : j * stride + WW).
    padded_shape = (C, N, pad_top + H_out + pad_bottom, pad_left + W_out + pad_right)
    out_pad = _col2im(patches, padded_shape, HH, WW, stride, H, W)
    # 4. Crop the padding, return to (N, C, H', W') and add the bias in the same copy.
    out = np.empty((N, C, H_out, W_out), dtype=dtype)
    out_crop = out_pad[:, :, pad_top : pad_top + H_out, pad_left : pad_left + W_out]
    np.add(out_crop.transpose(1, 0, 2, 3), b[:, None, None], out=out)
    cache = (x, w, b, conv_param)
    return out, cache


def conv_transpose_backward_fast(dout, cache):
    """A fast implementation of the backward pass for a transposed convolution.

    The adjoint of col2im is im2col, so this is a convolution of the padded
    dout with w (without bias): dx is that convolution's output, dw pairs
    every x[n, f, i, j] with the window of dout it was added into.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple of (x, w, b, conv_param) as in conv_transpose_forward_fast

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, F, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (C,)
    """
    x, w, b, conv_param = cache
    stride, pads, (H_out, W_out) = check_conv_transpose_args(x, w, b, conv_param)
    N, F, H, W = x.shape
    _, C, HH, WW = w.shape
    check_dout(dout, (N, C, H_out, W_out), "(N, C, H', W')")
    dtype = float_dtype(x, w, dout)
    # 1. The bias touched every output pixel of its channel.
    db = dout.sum(axis=(0, 2, 3), dtype=dtype)
    # 2. Pad dout back to the shape of the array the patches were added into,
    #    and read every window x[n, :, i, j] wrote to as a column: (C * HH * WW, N * H * W).
    dout_pad = _pad_channels_first(dout, pads, dtype)
    dout_cols = _im2col(dout_pad, HH, WW, stride, H, W)
    # 3. patches = w_rows.T @ x_rows, so dx_rows = w_rows @ dout_cols ...
    w_rows = w.reshape(F, C * HH * WW).astype(dtype, copy=False)
    dx = _channels_first_to_nchw(w_rows @ dout_cols, (N, F, H, W))
    # 4. ... and dw_rows = x_rows @ dout_cols.T, computed through its transpose as in
    #    conv_backward_fast (step 3).
    x_rows = x.transpose(1, 0, 2, 3).reshape(F, N * H * W).astype(dtype, copy=False)
    dw = np.ascontiguousarray((dout_cols @ x_rows.T).T).reshape(F, C, HH, WW)
    return dx, dw, db

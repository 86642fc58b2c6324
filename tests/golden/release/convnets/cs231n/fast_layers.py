# GENERATED for this assignment from assignment/cs231n/fast_layers.py (convkit).
# Students: this file is provided complete; read it, you need not change it.
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
a whole-array operation. When the windows tile x (2 x 2, stride 2, on an even
input: the common case) the pools read x itself, and their backward passes
write each grid once. With `pool_param['pad']`, they first copy x into a
framed array: -inf around it for the max, which padding can then never win;
zeros for the average, whose window sums are then divided by the number of
entries of x each window covers (or by PH * PW with count_include_pad). The
backward passes scatter into the framed array and crop it. The transposed
convolution is the convolution's input gradient, so it reuses the same two
helpers in the opposite order.

Every function has the interface of its naive twin in `layers.py`:

    out, cache = layer_forward_fast(x, ..., param)
    dx, ...    = layer_backward_fast(dout, cache)

Each one starts with the argument check of `shapes.py` (so bad shapes raise a
ValueError naming the problem), accepts every padding form of `conv_param['pad']`
and `pool_param['pad']` (an int, a pair (pad_h, pad_w), 'valid', 'same') and
every stride, never modifies its inputs, keeps float32 in float32 (integers
become float64), and returns C-contiguous arrays. Each cache starts with exactly the naive layer's
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
    pool_padding,
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


def max_pool_forward_fast(x, pool_param):
    """A fast implementation of the forward pass for a max-pooling layer.

    Walks over the PH * PW offsets of the window in row-major order; the view
    x[:, :, a::stride, b::stride] (cut to H' x W') holds the element at offset
    (a, b) of every window at once. A running maximum, updated only where an
    offset is strictly larger, remembers the FIRST maximum of each window.
    With padding, x is first framed with -inf, which is never strictly larger
    than anything, so padding is never a window's maximum.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height' (PH): The height of each pooling region
      - 'pool_width' (PW): The width of each pooling region
      - 'stride': The distance between adjacent pooling regions; windows may
        overlap (stride < PH) or leave gaps, and rows and columns left over at
        the bottom and right are dropped
      - 'pad' (optional, default 0): an int, a pair (pad_h, pad_w), 'valid' or
        'same'; shapes.py resolves it into pad_top, pad_bottom, pad_left and
        pad_right

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where H' and W' are given by
      H' = 1 + (H + pad_top + pad_bottom - PH) // stride
      W' = 1 + (W + pad_left + pad_right - PW) // stride
    - cache: (x, pool_param, argmax), where argmax, of shape (N, C, H', W'),
      holds the row-major offset a * PW + b, within its (padded) window, of
      each window's first maximum; cache[:2] is the naive layer's cache.
    """
    PH, PW, stride = check_pool_args(x, pool_param)
    pads = pool_padding(x, pool_param)
    N, C, H_out, W_out = pool_output_shape(x.shape, PH, PW, stride, pads)
    _, _, H, W = x.shape
    pad_top, pad_bottom, pad_left, pad_right = pads
    dtype = float_dtype(x)
    padded = any(pads)
    # 1. Frame x with -inf when there is padding (a copy); otherwise read x itself.
    x_pad = x
    if padded:
        x_pad = np.full((N, C, pad_top + H + pad_bottom, pad_left + W + pad_right), -np.inf, dtype)
        x_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W] = x
    # 2. Start from offset (0, 0) of every window (a copy: x is never written).
    out = np.array(x_pad[:, :, _grid(0, H_out, stride), _grid(0, W_out, stride)], dtype=dtype)
    # The smallest unsigned type that holds every offset keeps the cache small.
    argmax = np.zeros((N, C, H_out, W_out), dtype=np.min_scalar_type(PH * PW - 1))
    # A NaN counts as the largest value, as in np.argmax and np.max (rare: test once).
    has_nan = np.issubdtype(x.dtype, np.floating) and bool(np.isnan(x).any())
    if padded:
        # Window (i, j) meets x first at offset (a0[i], b0[j]): that entry must
        # take over from the padding before it even when it is -inf itself.
        a0 = np.maximum(pad_top - stride * np.arange(H_out), 0)
        b0 = np.maximum(pad_left - stride * np.arange(W_out), 0)
        first_real = a0[:, None] * PW + b0[None, :]  # (H', W')
    for k in range(1, PH * PW):
        a, b = divmod(k, PW)
        # 3. Offset (a, b) of every window, as one strided view.
        candidate = x_pad[:, :, _grid(a, H_out, stride), _grid(b, W_out, stride)]
        # 4. Strictly larger only: on a tie the earlier offset keeps the gradient.
        larger = candidate > out
        if has_nan:
            larger |= np.isnan(candidate) & ~np.isnan(out)
        if padded:
            larger |= first_real == k
        # argmax = k where larger, else unchanged (arithmetic beats a masked assignment).
        argmax += larger * (k - argmax)
        np.maximum(out, candidate, out=out)
    cache = (x, pool_param, argmax)
    return out, cache


def max_pool_backward_fast(dout, cache):
    """A fast implementation of the backward pass for a max-pooling layer.

    Each window's gradient goes to one input: its first maximum in row-major
    order (the offset stored in argmax, never padding). Where windows overlap,
    an input collects the gradients of every window it is the maximum of.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple of (x, pool_param, argmax) as in max_pool_forward_fast

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param, argmax = cache
    PH, PW, stride = check_pool_args(x, pool_param)
    pads = pool_padding(x, pool_param)
    N, C, H_out, W_out = pool_output_shape(x.shape, PH, PW, stride, pads)
    check_dout(dout, (N, C, H_out, W_out), "(N, C, H', W')")
    _, _, H, W = x.shape
    pad_top, pad_bottom, pad_left, pad_right = pads
    dtype = float_dtype(x, dout)
    # 1. The gradient of the padded input. When the windows tile x (no padding,
    #    overlap, gap or remainder), every entry is written below exactly once;
    #    otherwise start from zero and add.
    tiled = PH == PW == stride and not any(pads) and H % stride == W % stride == 0
    padded_shape = (N, C, pad_top + H + pad_bottom, pad_left + W + pad_right)
    dx_pad = np.empty(padded_shape, dtype=dtype) if tiled else np.zeros(padded_shape, dtype=dtype)
    for k in range(PH * PW):
        a, b = divmod(k, PW)
        grid = dx_pad[:, :, _grid(a, H_out, stride), _grid(b, W_out, stride)]
        # 2. dout where offset (a, b) was the window's first maximum, 0 elsewhere.
        if tiled:
            np.multiply(argmax == k, dout, out=grid)
        else:
            grid += (argmax == k) * dout
    # 3. The padding was never a maximum: its gradient is 0, and is cropped away.
    if any(pads):
        dx_pad = dx_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W]
    return np.ascontiguousarray(dx_pad)


def avg_pool_forward_fast(x, pool_param):
    """A fast implementation of the forward pass for an average-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height' (PH): The height of each pooling region
      - 'pool_width' (PW): The width of each pooling region
      - 'stride': The distance between adjacent pooling regions
      - 'pad' (optional, default 0): as in max_pool_forward_fast
      - 'count_include_pad' (optional, default False): divide each window's
        sum by PH * PW, not by the number of entries of x it covers

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where H' and W' are given by
      H' = 1 + (H + pad_top + pad_bottom - PH) // stride
      W' = 1 + (W + pad_left + pad_right - PW) // stride
    - cache: (x, pool_param), as in the naive layer
    """
    PH, PW, stride = check_pool_args(x, pool_param)
    pads = pool_padding(x, pool_param)
    N, C, H_out, W_out = pool_output_shape(x.shape, PH, PW, stride, pads)
    _, _, H, W = x.shape
    pad_top, pad_bottom, pad_left, pad_right = pads
    dtype = float_dtype(x)
    # 1. Frame x with zeros when there is padding (a copy): they add nothing to a sum.
    x_pad = x
    if any(pads):
        x_pad = np.zeros((N, C, pad_top + H + pad_bottom, pad_left + W + pad_right), dtype)
        x_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W] = x
    out = np.zeros((N, C, H_out, W_out), dtype=dtype)
    # 2. Sum the element at each window offset (a, b), one strided view at a time.
    for a in range(PH):
        for b in range(PW):
            out += x_pad[:, :, _grid(a, H_out, stride), _grid(b, W_out, stride)]
    # 3. Divide by the window's size (no padding, or count_include_pad), or else by
    #    the entries of x each window covers: the rows of x under it (its rows
    #    i * stride - pad_top ... + PH - 1 cut to [0, H)) times the columns.
    counts = PH * PW
    if any(pads) and not pool_param.get("count_include_pad", False):
        top, left = stride * np.arange(H_out) - pad_top, stride * np.arange(W_out) - pad_left
        rows = np.minimum(top + PH, H) - np.maximum(top, 0)
        cols = np.minimum(left + PW, W) - np.maximum(left, 0)
        counts = np.outer(rows, cols).astype(dtype)  # (H', W')
    out /= counts
    cache = (x, pool_param)
    return out, cache


def avg_pool_backward_fast(dout, cache):
    """A fast implementation of the backward pass for an average-pooling layer.

    Every entry of x under a window receives an equal share of the window's
    gradient: dout divided by what the forward pass divided its sum by.
    Overlapping windows add up; padding receives nothing.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple of (x, pool_param) as in avg_pool_forward_fast

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param = cache
    PH, PW, stride = check_pool_args(x, pool_param)
    pads = pool_padding(x, pool_param)
    N, C, H_out, W_out = pool_output_shape(x.shape, PH, PW, stride, pads)
    check_dout(dout, (N, C, H_out, W_out), "(N, C, H', W')")
    _, _, H, W = x.shape
    pad_top, pad_bottom, pad_left, pad_right = pads
    dtype = float_dtype(x, dout)
    # 1. Each input of a window gets the same share: dout over what the forward
    #    pass divided the window's sum by (see avg_pool_forward_fast, step 3).
    counts = PH * PW
    if any(pads) and not pool_param.get("count_include_pad", False):
        top, left = stride * np.arange(H_out) - pad_top, stride * np.arange(W_out) - pad_left
        rows = np.minimum(top + PH, H) - np.maximum(top, 0)
        cols = np.minimum(left + PW, W) - np.maximum(left, 0)
        counts = np.outer(rows, cols).astype(dtype)  # (H', W')
    share = (dout / counts).astype(dtype, copy=False)
    # When the windows tile x, every entry of dx is written once: no zeros needed.
    tiled = PH == PW == stride and not any(pads) and H % stride == W % stride == 0
    padded_shape = (N, C, pad_top + H + pad_bottom, pad_left + W + pad_right)
    dx_pad = np.empty(padded_shape, dtype=dtype) if tiled else np.zeros(padded_shape, dtype=dtype)
    # 2. Hand it to offset (a, b) of every window at once.
    for a in range(PH):
        for b in range(PW):
            grid = dx_pad[:, :, _grid(a, H_out, stride), _grid(b, W_out, stride)]
            if tiled:
                grid[...] = share
            else:
                grid += share
    # 3. What reached the padding is dropped.
    if any(pads):
        dx_pad = dx_pad[:, :, pad_top : pad_top + H, pad_left : pad_left + W]
    return np.ascontiguousarray(dx_pad)


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

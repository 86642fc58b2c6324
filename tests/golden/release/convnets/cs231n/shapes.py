# GENERATED for this assignment from assignment/cs231n/shapes.py (convkit).
# Students: this file is provided complete; read it, you need not change it.
"""Argument checks and padding arithmetic shared by `layers.py` and `fast_layers.py`.

Every layer starts by calling one of the `check_*` functions below, so a wrong
shape or a missing key stops at once with a ValueError that names the argument
and the shapes involved, instead of an IndexError deep inside a loop.

Padding forms accepted by `conv_param['pad']`:

- an int `p`: `p` rows of zeros above and below, `p` columns left and right;
- a pair `(pad_h, pad_w)`: `pad_h` rows above and below, `pad_w` columns on
  each side;
- `'valid'`: no padding at all; output positions whose window would need
  padding are dropped (the trailing rows or columns of x may go unused);
- `'same'`: TensorFlow's rule, just enough zeros that `H' = ceil(H / stride)`;
  when the total is odd, the extra row goes at the bottom and the extra column
  on the right.

All of them resolve to four numbers `(pad_top, pad_bottom, pad_left, pad_right)`,
and every layer then uses the one output-size formula

    H' = 1 + (H + pad_top + pad_bottom - HH) // stride
    W' = 1 + (W + pad_left + pad_right - WW) // stride

With an int or a pair, the stride must tile the padded input exactly (the
division above leaves no remainder), as CS231n requires; 'valid' and 'same'
follow TensorFlow and allow a remainder.

Pooling takes the same forms in `pool_param['pad']` (optional, default 0),
with the window (pool_height x pool_width) in place of the filter, and sizes
its output with the same formula in every case: the division is a floor, so
rows and columns at the bottom and right where no whole window fits are
dropped, as in CS231n's naive pooling, PyTorch and TensorFlow's 'valid'.
Written out for the height (the width alike):

    pad 0 or 'valid':   H' = 1 + (H - pool_height) // stride
    an int p:           H' = 1 + (H + 2 * p - pool_height) // stride
    a pair (p_h, p_w):  H' = 1 + (H + 2 * p_h - pool_height) // stride
    'same':             H' = ceil(H / stride)

Padding is never a value of the input: max pooling never selects it, and
average pooling divides by the number of input entries under the window
(TensorFlow's rule) unless `pool_param['count_include_pad']` is True
(PyTorch's option: divide by pool_height * pool_width, padding counted as
zeros). Each explicit pad must be smaller than the window along its axis, so
that every window covers at least one entry of the input.
"""

import numbers

import numpy as np

PAD_STRINGS = ("valid", "same")


def check_array(name, a, ndim, layout):
    """Check that `a` is a numeric numpy array of rank `ndim`.

    Inputs:
    - name: the argument's name, used in the message ("x", "dout", ...)
    - a: the value to check
    - ndim: the required rank
    - layout: the expected shape in words, e.g. "(N, C, H, W)"

    Returns `a` unchanged.
    """
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a numpy array of shape {layout}, got {type(a).__name__}")
    if a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions {layout}, got shape {a.shape}")
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise ValueError(f"{name} must hold real numbers, got dtype {a.dtype}")
    return a


def check_shape(name, a, shape, layout):
    """Check that the array `a` has exactly the given shape."""
    check_array(name, a, len(shape), layout)
    if a.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {layout} = {tuple(shape)}, got {a.shape}")
    return a


def get_param(params, key, params_name):
    """Return `params[key]`, or raise a ValueError naming the missing key."""
    if not isinstance(params, dict):
        raise TypeError(f"{params_name} must be a dict, got {type(params).__name__}")
    if key not in params:
        raise ValueError(f"{params_name} is missing the key {key!r} (it has {sorted(params)!r})")
    return params[key]


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(value, what):
    """Check that `value` is an int >= 1 and return it as a Python int."""
    if not _is_int(value) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def _explicit_pads(pad, what):
    """Resolve an int or a (pad_h, pad_w) pair into (pad_h, pad_w)."""
    if _is_int(pad):
        pads = (pad, pad)
    elif isinstance(pad, (tuple, list)) and len(pad) == 2 and all(_is_int(p) for p in pad):
        pads = tuple(pad)
    else:
        raise ValueError(
            f"{what} must be an int, a pair (pad_h, pad_w), 'valid' or 'same', got {pad!r}"
        )
    if min(pads) < 0:
        raise ValueError(f"{what} must not be negative, got {pad!r}")
    return int(pads[0]), int(pads[1])


def _pad_string(pad, what="conv_param['pad']"):
    """Return 'valid' or 'same' when `pad` is one of those strings (any case), else None."""
    if isinstance(pad, str):
        if pad.lower() in PAD_STRINGS:
            return pad.lower()
        raise ValueError(f"{what} must be 'valid' or 'same' as a string, got {pad!r}")
    return None


def _same_pads(size, kernel, stride):
    """TensorFlow's 'same' padding along one axis: (before, after)."""
    out = -(-size // stride)  # ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def resolve_padding(pad, H, W, HH, WW, stride, what="conv_param['pad']"):
    """Turn any accepted `conv_param['pad']` into (pad_top, pad_bottom, pad_left, pad_right).

    Inputs:
    - pad: an int, a pair (pad_h, pad_w), 'valid' or 'same'
    - H, W: height and width of the input
    - HH, WW: height and width of the filter (or of the pooling window)
    - stride: the stride (a positive int)
    - what: how messages name the argument

    Returns a tuple of four non-negative ints.
    """
    mode = _pad_string(pad, what)
    if mode == "valid":
        return 0, 0, 0, 0
    if mode == "same":
        return _same_pads(H, HH, stride) + _same_pads(W, WW, stride)
    pad_h, pad_w = _explicit_pads(pad, what)
    return pad_h, pad_h, pad_w, pad_w


def _check_window(x_shape, window, stride, pads, pad, what, tile):
    """Check that a window fits the padded input and, if `tile`, that the stride tiles it."""
    _, _, H, W = x_shape
    HH, WW = window
    pad_top, pad_bottom, pad_left, pad_right = pads
    for axis, size, before, after, k in (
        ("height", H, pad_top, pad_bottom, HH),
        ("width", W, pad_left, pad_right, WW),
    ):
        span = size + before + after - k
        if span < 0:
            raise ValueError(
                f"{what}: the window {axis} {k} is larger than the padded input {axis} "
                f"{size} + {before} + {after} (input shape {x_shape})"
            )
        if tile and span % stride != 0:
            raise ValueError(
                f"{what}: stride {stride}{'' if pad is None else f' with pad {pad!r}'} "
                f"does not tile the input {axis}: "
                f"{size} + {before} + {after} - {k} = {span} is not a multiple of {stride} "
                f"(input shape {x_shape}); change the stride"
                + ("" if pad is None else " or pad, or use pad 'valid' or 'same'")
            )


def check_conv_args(x, w, b, conv_param):
    """Check the arguments of a convolution and resolve its padding.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - w: Filter weights of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: dict with 'stride' (a positive int) and 'pad' (see the module docstring)

    Returns a tuple of:
    - stride: an int
    - pads: (pad_top, pad_bottom, pad_left, pad_right)
    """
    check_array("x", x, 4, "(N, C, H, W)")
    check_array("w", w, 4, "(F, C, HH, WW)")
    F, C, HH, WW = w.shape
    if x.shape[1] != C:
        raise ValueError(
            f"x has {x.shape[1]} channels but w expects {C}: x.shape = {x.shape}, "
            f"w.shape = {w.shape} (x is (N, C, H, W), w is (F, C, HH, WW))"
        )
    check_shape("b", b, (F,), "(F,)")
    stride = positive_int(get_param(conv_param, "stride", "conv_param"), "conv_param['stride']")
    pad = get_param(conv_param, "pad", "conv_param")
    pads = resolve_padding(pad, x.shape[2], x.shape[3], HH, WW, stride)
    _check_window(x.shape, (HH, WW), stride, pads, pad, "conv_param", tile=_pad_string(pad) is None)
    return stride, pads


def conv_output_shape(x_shape, w_shape, stride, pads):
    """Shape (N, F, H', W') of a convolution's output, given resolved padding."""
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    pad_top, pad_bottom, pad_left, pad_right = pads
    H_out = 1 + (H + pad_top + pad_bottom - HH) // stride
    W_out = 1 + (W + pad_left + pad_right - WW) // stride
    return N, F, H_out, W_out


def check_conv_transpose_args(x, w, b, conv_param):
    """Check the arguments of a transposed convolution and work out its geometry.

    The transposed convolution maps x, shaped like the *output* of a convolution
    with filters w, back to the shape of that convolution's *input*. Its output
    size follows from the padding form:

    - int p (or a pair): H' = (H - 1) * stride - 2 * p + HH
    - 'valid':           H' = (H - 1) * stride + HH
    - 'same':            H' = H * stride (as Keras' Conv2DTranspose)

    and the padding is the one the forward convolution of an H'-high input
    would use, so that convolving the output with w gives back x's shape.

    Inputs:
    - x: Input data of shape (N, F, H, W)
    - w: Filter weights of shape (F, C, HH, WW)
    - b: Biases, of shape (C,)
    - conv_param: dict with 'stride' and 'pad'

    Returns a tuple of:
    - stride: an int
    - pads: (pad_top, pad_bottom, pad_left, pad_right) of the output
    - out_size: (H', W')
    """
    check_array("x", x, 4, "(N, F, H, W)")
    check_array("w", w, 4, "(F, C, HH, WW)")
    F, C, HH, WW = w.shape
    if x.shape[1] != F:
        raise ValueError(
            f"x has {x.shape[1]} channels but w has {F} filters: x.shape = {x.shape}, "
            f"w.shape = {w.shape} (x is (N, F, H, W), w is (F, C, HH, WW))"
        )
    check_shape("b", b, (C,), "(C,)")
    stride = positive_int(get_param(conv_param, "stride", "conv_param"), "conv_param['stride']")
    pad = get_param(conv_param, "pad", "conv_param")
    _, _, H, W = x.shape
    mode = _pad_string(pad)
    if mode == "same":
        H_out, W_out = H * stride, W * stride
        pads = _same_pads(H_out, HH, stride) + _same_pads(W_out, WW, stride)
    else:
        pad_h, pad_w = (0, 0) if mode == "valid" else _explicit_pads(pad, "conv_param['pad']")
        H_out = (H - 1) * stride - 2 * pad_h + HH
        W_out = (W - 1) * stride - 2 * pad_w + WW
        pads = (pad_h, pad_h, pad_w, pad_w)
    if min(H_out, W_out) < 1 or min(H, W) < 1:
        raise ValueError(
            f"conv_param: pad {pad!r} with stride {stride} leaves no output: x.shape = "
            f"{x.shape}, w.shape = {w.shape} give an output of {H_out} x {W_out}"
        )
    return stride, pads, (H_out, W_out)


def check_pool_args(x, pool_param):
    """Check the arguments of a pooling layer.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - pool_param: dict with 'pool_height', 'pool_width' and 'stride' (positive
      ints), and optionally 'pad' (default 0: an int, a pair (pad_h, pad_w),
      'valid' or 'same', see the module docstring) and 'count_include_pad' (a
      bool, default False; only average pooling reads it)

    Returns (pool_height, pool_width, stride) as ints; `pool_padding` gives the
    padding. The stride need not tile the input (the output size is a floor),
    but the window must fit the padded input, and an explicit pad must be
    smaller than the window (a window of padding only has no maximum or mean).
    """
    check_array("x", x, 4, "(N, C, H, W)")
    names = ("pool_height", "pool_width", "stride")
    PH, PW, stride = (
        positive_int(get_param(pool_param, key, "pool_param"), f"pool_param[{key!r}]")
        for key in names
    )
    pads = _pool_pads(x.shape, pool_param, PH, PW, stride)
    _check_window(x.shape, (PH, PW), stride, pads, None, "pool_param", tile=False)
    if not isinstance(pool_param.get("count_include_pad", False), bool):
        raise ValueError(
            "pool_param['count_include_pad'] must be True or False, got "
            f"{pool_param['count_include_pad']!r}"
        )
    return PH, PW, stride


def _pool_pads(x_shape, pool_param, PH, PW, stride):
    """Resolve pool_param's optional 'pad' and check each pad is smaller than the window."""
    pad = pool_param.get("pad", 0)
    what = "pool_param['pad']"
    pads = resolve_padding(pad, x_shape[2], x_shape[3], PH, PW, stride, what)
    for side, amount, axis, k in zip(
        ("top", "bottom", "left", "right"),
        pads,
        ("height", "height", "width", "width"),
        (PH, PH, PW, PW),
        strict=True,
    ):
        if amount >= k:
            lines = "rows" if axis == "height" else "columns"
            raise ValueError(
                f"{what} = {pad!r} adds {amount} {lines} on the {side}, not fewer than the "
                f"window {axis} {k}: a window could cover padding only (it has no maximum or "
                f"mean); use a pad smaller than the window"
            )
    return pads


def pool_padding(x, pool_param):
    """The padding of a pooling layer, resolved: (pad_top, pad_bottom, pad_left, pad_right).

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - pool_param: as in check_pool_args ('pad' missing means 0)

    Returns a tuple of four non-negative ints. 'same' follows TensorFlow: just
    enough padding that H' = ceil(H / stride), the extra row (column) of an
    odd total at the bottom (on the right).
    """
    PH, PW, stride = check_pool_args(x, pool_param)
    return _pool_pads(x.shape, pool_param, PH, PW, stride)


def pool_output_shape(x_shape, PH, PW, stride, pads=(0, 0, 0, 0)):
    """Shape (N, C, H', W') of a pooling layer's output, given resolved padding."""
    N, C, H, W = x_shape
    pad_top, pad_bottom, pad_left, pad_right = pads
    H_out = 1 + (H + pad_top + pad_bottom - PH) // stride
    W_out = 1 + (W + pad_left + pad_right - PW) // stride
    return N, C, H_out, W_out


def check_norm_params(gamma, beta, shape, layout):
    """Check the scale and shift parameters of a normalisation layer."""
    check_shape("gamma", gamma, shape, layout)
    check_shape("beta", beta, shape, layout)


def check_bn_param(bn_param):
    """Check bn_param and return (mode, eps, momentum); mode is 'train' or 'test'."""
    mode = get_param(bn_param, "mode", "bn_param")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    if not eps > 0:
        raise ValueError(f"bn_param['eps'] must be positive, got {eps!r}")
    if not 0 <= momentum <= 1:
        raise ValueError(f"bn_param['momentum'] must be in [0, 1], got {momentum!r}")
    return mode, eps, momentum


def check_groups(G, C):
    """Check that the number of groups G is a positive int dividing C."""
    G = positive_int(G, "G (the number of groups)")
    if C % G != 0:
        raise ValueError(f"G = {G} groups must divide the number of channels C = {C}")
    return G


def check_dout(dout, shape, layout):
    """Check that an upstream gradient has the shape of the forward pass's output."""
    return check_shape("dout", dout, shape, layout)


def float_dtype(*arrays):
    """The floating dtype results should have: float32 stays float32, ints become float64."""
    return np.result_type(*arrays, 1.0)

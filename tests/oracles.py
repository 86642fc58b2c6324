"""Independent references for the tests: written here, never taken from the package.

A test compares the package's output with one of these (or with scipy, or with
numbers computed by hand), never with the package's own output.
"""

import numpy as np


def rel_error(x, y):
    """Max elementwise relative error, CS231n's definition."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    assert x.shape == y.shape, f"shapes differ: {x.shape} vs {y.shape}"
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def gradient_error(analytic, numeric):
    """rel_error with a floor for entries near zero: what a numeric gradient can resolve.

    A central difference is off by about 1e-16 * |f| / h in absolute terms, so an
    entry that nearly cancels (a gradient of 1e-4 among entries of 1) has a large
    relative error however right the analytic one is. Each entry is measured
    against at least 1e-4 of the largest entry.
    """
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    assert a.shape == n.shape, f"shapes differ: {a.shape} vs {n.shape}"
    if a.size == 0:
        return 0.0
    size = np.abs(a) + np.abs(n)
    return float(np.max(np.abs(a - n) / np.maximum(max(1e-8, 1e-4 * size.max()), size)))


def numeric_gradient(f, x, dout, h=1e-6):
    """Central-difference gradient of sum(f(x) * dout) with respect to x (float64)."""
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x = x.reshape(-1)  # a view: x changes in place
    flat_g = grad.reshape(-1)
    for k in range(flat_x.size):
        old = flat_x[k]
        flat_x[k] = old + h
        plus = np.array(f(x), dtype=np.float64)  # a copy: f may return a view
        flat_x[k] = old - h
        minus = np.array(f(x), dtype=np.float64)
        flat_x[k] = old
        # Difference before summing: most outputs do not move, and cancel exactly.
        flat_g[k] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def tf_same_pads(size, kernel, stride):
    """TensorFlow's 'same' padding along one axis, as documented for tf.nn.conv2d."""
    out = int(np.ceil(size / stride))
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def explicit_pads(pad, H, W, HH, WW, stride):
    """The four pads (top, bottom, left, right) an accepted pad form means, worked out here."""
    if pad == "valid":
        return 0, 0, 0, 0
    if pad == "same":
        return tf_same_pads(H, HH, stride) + tf_same_pads(W, WW, stride)
    ph, pw = (pad, pad) if isinstance(pad, int) else pad
    return ph, ph, pw, pw


def conv2d_loops(x, w, b, stride, pads):
    """Convolution by explicit loops over every output element (pads: top, bottom, left, right)."""
    top, bottom, left, right = pads
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    N, _, Hp, Wp = xp.shape
    F, _, HH, WW = w.shape
    H_out = (Hp - HH) // stride + 1
    W_out = (Wp - WW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    patch = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(patch * w[f]) + b[f]
    return out


def pool2d_loops(x, ph, pw, stride, reduce):
    """Pooling by explicit loops; `reduce` is np.max or np.mean."""
    N, C, H, W = x.shape
    H_out, W_out = (H - ph) // stride + 1, (W - pw) // stride + 1
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride : i * stride + ph, j * stride : j * stride + pw]
                    out[n, c, i, j] = reduce(window)
    return out


def padded_pool2d_loops(x, ph, pw, stride, pads, kind, count_include_pad=False):
    """Padded pooling by explicit loops over a copy of x framed with NaN (NaN marks padding).

    - pads: (top, bottom, left, right)
    - kind "max": np.nanmax, so padding never wins; "avg": np.nanmean, the mean of
      the entries of x under the window (TensorFlow's rule), or with
      count_include_pad their sum over ph * pw (PyTorch's option)

    Returns (out, argmax): argmax[n, c, i, j] = (row, col) in x of the first maximum
    (np.nanargmax order) of each window, for max pooling; None for "avg".
    """
    top, bottom, left, right = pads
    xp = np.pad(
        x.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=np.nan
    )
    N, C, Hp, Wp = xp.shape
    H_out, W_out = (Hp - ph) // stride + 1, (Wp - pw) // stride + 1
    out = np.zeros((N, C, H_out, W_out))
    argmax = np.zeros((N, C, H_out, W_out, 2), dtype=int) if kind == "max" else None
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, c, i * stride : i * stride + ph, j * stride : j * stride + pw]
                    if kind == "max":
                        out[n, c, i, j] = np.nanmax(window)
                        a, b = np.unravel_index(np.nanargmax(window), window.shape)
                        argmax[n, c, i, j] = (i * stride + a - top, j * stride + b - left)
                    elif count_include_pad:
                        out[n, c, i, j] = np.nansum(window) / (ph * pw)
                    else:
                        out[n, c, i, j] = np.nanmean(window)
    return out, argmax


def max_pool_backward_by_argmax(x_shape, dout, argmax):
    """Send each dout[n, c, i, j] to the input argmax[n, c, i, j] points at, one at a time."""
    dx = np.zeros(x_shape)
    N, C, H_out, W_out = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    row, col = argmax[n, c, i, j]
                    dx[n, c, row, col] += dout[n, c, i, j]
    return dx


def torch_pool2d(torch, x, ph, pw, stride, pads, kind, count_include_pad=False, dout=None):
    """PyTorch's max_pool2d / avg_pool2d (ceil_mode=False) and, given dout, its input gradient.

    Symmetric pads of at most half the window go to torch's own `padding`
    argument, count_include_pad as given. Others (uneven 'same', or wider) cannot:
    the input is framed with F.pad instead (-inf for max pooling; zeros for
    average pooling, where without count_include_pad the window sums are divided
    by the window counts, pooled from a framed array of ones). Returns (out, dx)
    as numpy arrays (dx None without dout).
    """
    F = torch.nn.functional
    top, bottom, left, right = pads
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    common = {"kernel_size": (ph, pw), "stride": stride, "ceil_mode": False}
    if top == bottom <= ph // 2 and left == right <= pw // 2:
        if kind == "max":
            out = F.max_pool2d(t, padding=(top, left), **common)
        else:
            out = F.avg_pool2d(
                t, padding=(top, left), count_include_pad=count_include_pad, **common
            )
    elif kind == "max":
        framed = F.pad(t, (left, right, top, bottom), value=float("-inf"))
        out = F.max_pool2d(framed, **common)
    else:
        out = F.avg_pool2d(F.pad(t, (left, right, top, bottom)), **common)
        if not count_include_pad:
            ones = F.pad(torch.ones_like(t), (left, right, top, bottom))
            out = out / F.avg_pool2d(ones, **common)
    dx = None
    if dout is not None:
        out.backward(torch.tensor(dout, dtype=torch.float64))
        dx = t.grad.numpy()
    return out.detach().numpy(), dx

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

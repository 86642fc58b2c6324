# GENERATED for this assignment from assignment/cs231n/layers.py (convkit).
# Students: write your code in this file, in place of each line that raises NotImplementedError.
"""Layers of a convolutional network, forward and backward, in plain numpy.

Every layer follows the same interface. A forward pass receives inputs (and
parameters) and returns

    out, cache = layer_forward(x, ...)

where `cache` holds whatever the backward pass will need. The backward pass
receives the upstream derivative `dout` (same shape as `out`) and the cache, and
returns the gradient with respect to each input, in the order of the forward
pass's arguments:

    dx, dw, db = layer_backward(dout, cache)

The affine, ReLU, loss and (non-spatial) normalisation layers at the top are
provided; they are the building blocks the spatial layers below reuse. The
convolution, pooling, spatial normalisation and transposed convolution layers
are yours to write. The "naive" versions favour clarity over speed; their
vectorised twins live in `fast_layers.py`.

Bad arguments (wrong ranks, mismatched channels, missing keys, a convolution
stride that does not tile the input, a pooling window larger than its input)
are caught by the `check_*` helpers of `shapes.py` before your code runs, with
a ValueError that says what is wrong; they also resolve every form of padding
into pad_top, pad_bottom, pad_left and pad_right for you.
"""

import numpy as np

from .shapes import (
    check_array,
    check_bn_param,
    check_conv_args,
    check_conv_transpose_args,
    check_dout,
    check_groups,
    check_norm_params,
    check_pool_args,
    check_shape,
    conv_output_shape,
    float_dtype,
    pool_output_shape,
    pool_padding,
)

# ---------------------------------------------------------------------------
# Provided layers
# ---------------------------------------------------------------------------


def affine_forward(x, w, b):
    """Computes the forward pass for an affine (fully connected) layer.

    The input x has shape (N, d_1, ..., d_k) and contains a minibatch of N
    examples, where each example x[i] has shape (d_1, ..., d_k). We reshape each
    input into a vector of dimension D = d_1 * ... * d_k, and then transform it
    to an output vector of dimension M.

    Inputs:
    - x: A numpy array containing input data, of shape (N, d_1, ..., d_k)
    - w: A numpy array of weights, of shape (D, M)
    - b: A numpy array of biases, of shape (M,)

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (x, w, b)
    """
    check_array("w", w, 2, "(D, M)")
    D, M = w.shape
    if not isinstance(x, np.ndarray) or x.ndim < 1 or int(np.prod(x.shape[1:])) != D:
        shape = getattr(x, "shape", type(x).__name__)
        raise ValueError(
            f"x must have shape (N, d_1, ..., d_k) with d_1 * ... * d_k = D = {D} "
            f"(w has shape {w.shape}), got {shape}"
        )
    check_shape("b", b, (M,), "(M,)")
    # Flatten each example into a row, then one matrix product does the layer.
    out = x.reshape(x.shape[0], D) @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Computes the backward pass for an affine layer.

    Inputs:
    - dout: Upstream derivative, of shape (N, M)
    - cache: Tuple of:
      - x: Input data, of shape (N, d_1, ... d_k)
      - w: Weights, of shape (D, M)
      - b: Biases, of shape (M,)

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, d1, ..., d_k)
    - dw: Gradient with respect to w, of shape (D, M)
    - db: Gradient with respect to b, of shape (M,)
    """
    x, w, b = cache
    check_dout(dout, (x.shape[0], w.shape[1]), "(N, M)")
    x_rows = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)  # each input feeds every output through w
    dw = x_rows.T @ dout  # sum over the batch of outer products
    db = dout.sum(axis=0)  # the bias is added to every example
    return dx, dw, db


def relu_forward(x):
    """Computes the forward pass for a layer of rectified linear units (ReLUs).

    Input:
    - x: Inputs, of any shape

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: x
    """
    out = np.maximum(x, 0)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Computes the backward pass for a layer of rectified linear units (ReLUs).

    Input:
    - dout: Upstream derivatives, of any shape
    - cache: Input x, of same shape as dout

    Returns:
    - dx: Gradient with respect to x
    """
    x = cache
    check_dout(dout, x.shape, "(same as x)")
    # The gradient passes where the input was positive and stops elsewhere.
    dx = dout * (x > 0)
    return dx


def _check_scores(x, y):
    check_array("x", x, 2, "(N, C)")
    check_shape("y", y, (x.shape[0],), "(N,)")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= x.shape[1]):
        raise ValueError(f"y must hold labels in [0, {x.shape[1]}), got {y.min()}..{y.max()}")


def svm_loss(x, y):
    """Computes the loss and gradient using for multiclass SVM classification.

    Inputs:
    - x: Input data, of shape (N, C) where x[i, j] is the score for the jth
      class for the ith input.
    - y: Vector of labels, of shape (N,) where y[i] is the label for x[i] and
      0 <= y[i] < C

    Returns a tuple of:
    - loss: Scalar giving the loss, averaged over the N examples
    - dx: Gradient of the loss with respect to x
    """
    _check_scores(x, y)
    N = x.shape[0]
    rows = np.arange(N)
    correct = x[rows, y][:, None]
    # Hinge on every wrong class: max(0, s_j - s_y + 1).
    margins = np.maximum(0, x - correct + 1.0)
    margins[rows, y] = 0
    loss = margins.sum() / N
    # Each positive margin pushes its class up and the correct class down.
    positive = (margins > 0).astype(x.dtype)
    dx = positive
    dx[rows, y] -= positive.sum(axis=1)
    dx /= N
    return loss, dx


def softmax_loss(x, y):
    """Computes the loss and gradient for softmax classification.

    Inputs:
    - x: Input data, of shape (N, C) where x[i, j] is the score for the jth
      class for the ith input.
    - y: Vector of labels, of shape (N,) where y[i] is the label for x[i] and
      0 <= y[i] < C

    Returns a tuple of:
    - loss: Scalar giving the loss, averaged over the N examples
    - dx: Gradient of the loss with respect to x
    """
    _check_scores(x, y)
    N = x.shape[0]
    rows = np.arange(N)
    # Shift by the row maximum so that exp never overflows.
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].sum() / N
    # d(loss)/d(scores) = softmax - one_hot(y), averaged over the batch.
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    dx /= N
    return loss, dx


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass for batch normalization.

    During training the sample mean and (uncorrected) sample variance are
    computed from minibatch statistics and used to normalize the incoming data.
    During training we also keep an exponentially decaying running mean of the
    mean and variance of each feature, and these averages are used to normalize
    data at test-time:

        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var

    Inputs:
    - x: Data of shape (N, D)
    - gamma: Scale parameter of shape (D,)
    - beta: Shift paremeter of shape (D,)
    - bn_param: Dictionary with the following keys:
      - mode: 'train' or 'test'; required
      - eps: Constant for numeric stability (default 1e-5)
      - momentum: Constant for running mean / variance (default 0.9)
      - running_mean: Array of shape (D,) giving running mean of features
        (created as zeros when missing, and stored back into bn_param)
      - running_var: Array of shape (D,) giving running variance of features
        (created as zeros when missing, and stored back into bn_param)

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: A tuple of values needed in the backward pass
    """
    check_array("x", x, 2, "(N, D)")
    D = x.shape[1]
    check_norm_params(gamma, beta, (D,), "(D,)")
    mode, eps, momentum = check_bn_param(bn_param)
    dtype = float_dtype(x)
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=dtype))
    check_shape("bn_param['running_mean']", running_mean, (D,), "(D,)")
    check_shape("bn_param['running_var']", running_var, (D,), "(D,)")

    if mode == "train":
        if x.shape[0] == 0:
            raise ValueError("batchnorm in train mode needs at least one example, got N = 0")
        mean = x.mean(axis=0)
        var = x.var(axis=0)  # the biased estimate, as the normalisation uses
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        mean, var = running_mean, running_var

    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std  # zero mean, unit variance per feature
    out = gamma * x_hat + beta  # then a learned scale and shift

    # Store the updated running means back into bn_param.
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    cache = (mode, x_hat, gamma, inv_std)
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass for batch normalization, step by step through its graph.

    Inputs:
    - dout: Upstream derivatives, of shape (N, D)
    - cache: Variable of intermediates from batchnorm_forward.

    Returns a tuple of:
    - dx: Gradient with respect to inputs x, of shape (N, D)
    - dgamma: Gradient with respect to scale parameter gamma, of shape (D,)
    - dbeta: Gradient with respect to shift parameter beta, of shape (D,)
    """
    mode, x_hat, gamma, inv_std = cache
    check_dout(dout, x_hat.shape, "(N, D)")
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if mode == "test":
        # The statistics are constants at test time: only the scaling remains.
        return dx_hat * inv_std, dgamma, dbeta
    # x_hat = (x - mean) * inv_std, with mean and inv_std functions of x.
    x_centered = x_hat / inv_std
    dinv_std = (dx_hat * x_centered).sum(axis=0)
    dvar = dinv_std * -0.5 * inv_std**3  # inv_std = (var + eps) ** -0.5
    dx_centered = dx_hat * inv_std + dvar * 2 * x_centered / N  # var = mean(x_centered ** 2)
    dmean = -dx_centered.sum(axis=0)  # x_centered = x - mean
    dx = dx_centered + dmean / N  # mean = sum(x) / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass for batch normalization, simplified on paper into one line.

    Same inputs and outputs as batchnorm_backward; the derivative of the
    normalisation, worked out by hand, is

        dx = inv_std / N * (N * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))

    where dx_hat = dout * gamma and the sums run over the batch.
    """
    mode, x_hat, gamma, inv_std = cache
    check_dout(dout, x_hat.shape, "(N, D)")
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if mode == "test":
        return dx_hat * inv_std, dgamma, dbeta
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass for layer normalization.

    Each example is normalised over its own features (the statistics are
    computed per row, the same in train and test), then scaled by gamma and
    shifted by beta.

    Inputs:
    - x: Data of shape (N, D)
    - gamma: Scale parameter of shape (D,)
    - beta: Shift paremeter of shape (D,)
    - ln_param: Dictionary with the following keys:
        - eps: Constant for numeric stability (default 1e-5)

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: A tuple of values needed in the backward pass
    """
    check_array("x", x, 2, "(N, D)")
    check_norm_params(gamma, beta, (x.shape[1],), "(D,)")
    if not isinstance(ln_param, dict):
        raise TypeError(f"ln_param must be a dict, got {type(ln_param).__name__}")
    eps = ln_param.get("eps", 1e-5)
    # The same arithmetic as batch norm, along the other axis.
    mean = x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, inv_std)
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass for layer normalization.

    Inputs:
    - dout: Upstream derivatives, of shape (N, D)
    - cache: Variable of intermediates from layernorm_forward.

    Returns a tuple of:
    - dx: Gradient with respect to inputs x, of shape (N, D)
    - dgamma: Gradient with respect to scale parameter gamma, of shape (D,)
    - dbeta: Gradient with respect to shift parameter beta, of shape (D,)
    """
    x_hat, gamma, inv_std = cache
    check_dout(dout, x_hat.shape, "(N, D)")
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    # batchnorm_backward_alt's formula, with the means taken over each row.
    dx = inv_std * (
        dx_hat
        - dx_hat.mean(axis=1, keepdims=True)
        - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)
    )
    return dx, dgamma, dbeta


# ---------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------


def conv_forward_naive(x, w, b, conv_param):
    """A naive implementation of the forward pass for a convolutional layer.

    The input consists of N data points, each with C channels, height H and
    width W. We convolve each input with F different filters, where each filter
    spans all C channels and has height HH and width WW.

    Input:
    - x: Input data of shape (N, C, H, W)
    - w: Filter weights of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: A dictionary with the following keys:
      - 'stride': The number of pixels between adjacent receptive fields in the
        horizontal and vertical directions.
      - 'pad': The number of pixels that will be used to zero-pad the input:
        an int (the same on all four sides), a pair (pad_h, pad_w), or one of
        the strings 'valid' (no padding) and 'same' (TensorFlow's rule). It is
        resolved for you into pad_top, pad_bottom, pad_left and pad_right.

    During padding, the zeros go around the borders of the height and width
    axes only. Be careful not to modify the original input x directly.

    Returns a tuple of:
    - out: Output data, of shape (N, F, H', W') where H' and W' are given by
      H' = 1 + (H + pad_top + pad_bottom - HH) // stride
      W' = 1 + (W + pad_left + pad_right - WW) // stride
    - cache: (x, w, b, conv_param)
    """
    stride, (pad_top, pad_bottom, pad_left, pad_right) = check_conv_args(x, w, b, conv_param)
    # TODO: Implement the convolutional forward pass: pad x, then for every
    # output position take the dot product of each filter with the window
    # under it, and add the filter's bias. Hint: np.pad.
    raise NotImplementedError("conv_forward_naive: not implemented yet; write it in cs231n/layers.py")
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """A naive implementation of the backward pass for a convolutional layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H', W')
    - cache: A tuple of (x, w, b, conv_param) as in conv_forward_naive

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)
    """
    x, w, b, conv_param = cache
    stride, pads = check_conv_args(x, w, b, conv_param)
    check_dout(dout, conv_output_shape(x.shape, w.shape, stride, pads), "(N, F, H', W')")
    pad_top, pad_bottom, pad_left, pad_right = pads
    # TODO: Implement the convolutional backward pass. Every window of the
    # padded input contributed to one output position: send dout back through
    # it to the padded input (accumulating where windows overlap) and to the
    # filters, then remove the padding from the input's gradient.
    raise NotImplementedError("conv_backward_naive: not implemented yet; write it in cs231n/layers.py")
    return dx, dw, db


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


def max_pool_forward_naive(x, pool_param):
    """A naive implementation of the forward pass for a max-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height': The height of each pooling region
      - 'pool_width': The width of each pooling region
      - 'stride': The distance between adjacent pooling regions
      - 'pad' (optional, default 0): the padding around x, in the forms
        conv_param['pad'] takes: an int, a pair (pad_h, pad_w), 'valid' or
        'same' (TensorFlow's rule). It is resolved for you into pad_top,
        pad_bottom, pad_left and pad_right.

    The windows slide over the padded input, and may overlap (stride smaller
    than the pool) or leave gaps. Padding is never the maximum: each window's
    maximum is taken over the entries of x it covers only (as if the padding
    were -inf), so a window of negative values gives a negative maximum.

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where H' and W' are given by
      H' = 1 + (H + pad_top + pad_bottom - pool_height) // stride
      W' = 1 + (W + pad_left + pad_right - pool_width) // stride
      The division is a floor: rows and columns at the bottom and right where
      no whole window fits are left out. For each form of pad (W' alike):
      pad 0 or 'valid': H' = 1 + (H - pool_height) // stride;
      an int p:         H' = 1 + (H + 2 * p - pool_height) // stride;
      'same':           H' = ceil(H / stride).
    - cache: (x, pool_param)
    """
    PH, PW, stride = check_pool_args(x, pool_param)
    pad_top, pad_bottom, pad_left, pad_right = pool_padding(x, pool_param)
    # TODO: Implement the max-pooling forward pass: the maximum of every
    # pool_height x pool_width window of the padded input, per example and
    # channel, over the entries of x the window covers (never the padding).
    raise NotImplementedError("max_pool_forward_naive: not implemented yet; write it in cs231n/layers.py")
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """A naive implementation of the backward pass for a max-pooling layer.

    Each window's gradient goes to one input: the window's maximum among the
    entries of x it covers (never the padding, which has no gradient). When a
    window holds several equal maxima, the first one in row-major order (the
    one np.argmax of the flattened window of x picks) gets it all. Where
    windows overlap, an input collects the gradients of every window it is the
    maximum of; inputs in no window's maximum get 0.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple of (x, pool_param) as in the forward pass.

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param = cache
    PH, PW, stride = check_pool_args(x, pool_param)
    pads = pool_padding(x, pool_param)
    check_dout(dout, pool_output_shape(x.shape, PH, PW, stride, pads), "(N, C, H', W')")
    pad_top, pad_bottom, pad_left, pad_right = pads
    # TODO: Implement the max-pooling backward pass (rule above).
    raise NotImplementedError("max_pool_backward_naive: not implemented yet; write it in cs231n/layers.py")
    return dx


def avg_pool_forward_naive(x, pool_param):
    """A naive implementation of the forward pass for an average-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height': The height of each pooling region
      - 'pool_width': The width of each pooling region
      - 'stride': The distance between adjacent pooling regions
      - 'pad' (optional, default 0): the padding around x, as in max pooling
      - 'count_include_pad' (optional, default False): what a window's sum is
        divided by, below

    Each window's sum over the entries of x it covers is divided by the number
    of those entries (TensorFlow's rule: padding does not dilute the mean), or,
    when count_include_pad is True, by pool_height * pool_width (PyTorch's
    option of that name: the padding counts as zeros). Without padding both
    give the plain mean.

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where H' and W' are given by
      H' = 1 + (H + pad_top + pad_bottom - pool_height) // stride
      W' = 1 + (W + pad_left + pad_right - pool_width) // stride
      (a floor, as in max pooling; 'same' gives H' = ceil(H / stride))
    - cache: (x, pool_param)
    """
    PH, PW, stride = check_pool_args(x, pool_param)
    pad_top, pad_bottom, pad_left, pad_right = pool_padding(x, pool_param)
    count_include_pad = pool_param.get("count_include_pad", False)
    # TODO: Implement the average-pooling forward pass: the mean of every
    # pool_height x pool_width window of the padded input, per example and
    # channel, divided as the docstring says.
    raise NotImplementedError("avg_pool_forward_naive: not implemented yet; write it in cs231n/layers.py")
    cache = (x, pool_param)
    return out, cache


def avg_pool_backward_naive(dout, cache):
    """A naive implementation of the backward pass for an average-pooling layer.

    Every entry of x under a window receives an equal share of the window's
    gradient: dout divided by what the forward pass divided the window's sum
    by (the number of entries of x it covers, or pool_height * pool_width with
    count_include_pad). Padding receives nothing; overlapping windows add up.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple of (x, pool_param) as in the forward pass.

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param = cache
    PH, PW, stride = check_pool_args(x, pool_param)
    pads = pool_padding(x, pool_param)
    check_dout(dout, pool_output_shape(x.shape, PH, PW, stride, pads), "(N, C, H', W')")
    pad_top, pad_bottom, pad_left, pad_right = pads
    count_include_pad = pool_param.get("count_include_pad", False)
    # TODO: Implement the average-pooling backward pass (rule above).
    raise NotImplementedError("avg_pool_backward_naive: not implemented yet; write it in cs231n/layers.py")
    return dx


# ---------------------------------------------------------------------------
# Spatial normalisation
# ---------------------------------------------------------------------------


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Computes the forward pass for spatial batch normalization.

    Each channel is normalised with statistics over the batch and both spatial
    axes (N * H * W values per channel), then scaled and shifted per channel.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (C,)
    - beta: Shift parameter, of shape (C,)
    - bn_param: Dictionary with the following keys:
      - mode: 'train' or 'test'; required
      - eps: Constant for numeric stability (default 1e-5)
      - momentum: Constant for running mean / variance. momentum=0 means that
        old information is discarded completely at every time step, while
        momentum=1 means that new information is never incorporated. The
        default of momentum=0.9 should work well in most situations.
      - running_mean: Array of shape (C,) giving running mean of features
      - running_var Array of shape (C,) giving running variance of features
      The running averages are updated in train mode only, and stored back
      into bn_param as batchnorm_forward does.

    Returns a tuple of:
    - out: Output data, of shape (N, C, H, W)
    - cache: Values needed for the backward pass
    """
    check_array("x", x, 4, "(N, C, H, W)")
    check_norm_params(gamma, beta, (x.shape[1],), "(C,)")
    check_bn_param(bn_param)
    # TODO: Implement the forward pass for spatial batch normalization by
    # reshaping x so that batchnorm_forward (provided above) does the work.
    raise NotImplementedError("spatial_batchnorm_forward: not implemented yet; write it in cs231n/layers.py")
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Computes the backward pass for spatial batch normalization.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H, W)
    - cache: Values from the forward pass

    Returns a tuple of:
    - dx: Gradient with respect to inputs, of shape (N, C, H, W)
    - dgamma: Gradient with respect to scale parameter, of shape (C,)
    - dbeta: Gradient with respect to shift parameter, of shape (C,)
    """
    check_array("dout", dout, 4, "(N, C, H, W)")
    # TODO: Implement the backward pass for spatial batch normalization, with
    # the same reshaping as the forward pass and batchnorm_backward_alt.
    raise NotImplementedError("spatial_batchnorm_backward: not implemented yet; write it in cs231n/layers.py")
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Computes the forward pass for spatial group normalization.

    In contrast to layer normalization, group normalization splits each entry
    in the data into G contiguous pieces of C // G channels (channels 0 to
    C // G - 1 form the first group, and so on), which it then normalizes
    independently, over those channels and both spatial axes. Per-channel
    scaling and shifting follow, as in batch normalization. The statistics are
    per example, so train and test behave the same.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (1, C, 1, 1)
    - beta: Shift parameter, of shape (1, C, 1, 1)
    - G: Integer number of groups to split into, should be a divisor of C
    - gn_param: Dictionary with the following keys:
      - eps: Constant for numeric stability (default 1e-5)

    Returns a tuple of:
    - out: Output data, of shape (N, C, H, W)
    - cache: Values needed for the backward pass
    """
    check_array("x", x, 4, "(N, C, H, W)")
    check_norm_params(gamma, beta, (1, x.shape[1], 1, 1), "(1, C, 1, 1)")
    G = check_groups(G, x.shape[1])
    if not isinstance(gn_param, dict):
        raise TypeError(f"gn_param must be a dict, got {type(gn_param).__name__}")
    eps = gn_param.get("eps", 1e-5)
    # TODO: Implement the forward pass for spatial group normalization.
    # Hint: reshape x to (N, G, C // G * H * W) for the statistics.
    raise NotImplementedError("spatial_groupnorm_forward: not implemented yet; write it in cs231n/layers.py")
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """Computes the backward pass for spatial group normalization.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H, W)
    - cache: Values from the forward pass

    Returns a tuple of:
    - dx: Gradient with respect to inputs, of shape (N, C, H, W)
    - dgamma: Gradient with respect to scale parameter, of shape (1, C, 1, 1)
    - dbeta: Gradient with respect to shift parameter, of shape (1, C, 1, 1)
    """
    check_array("dout", dout, 4, "(N, C, H, W)")
    # TODO: Implement the backward pass for spatial group normalization.
    raise NotImplementedError("spatial_groupnorm_backward: not implemented yet; write it in cs231n/layers.py")
    return dx, dgamma, dbeta


# ---------------------------------------------------------------------------
# Transposed convolution
# ---------------------------------------------------------------------------


def conv_transpose_forward_naive(x, w, b, conv_param):
    """A naive implementation of the forward pass for a transposed convolution.

    A transposed convolution is the gradient of a convolution with respect to
    its input, used as a layer: it maps x, shaped like the output of a
    convolution with filters w, to the shape of that convolution's input, so
    it upsamples when stride > 1. Each input value x[n, f, i, j] adds a copy of
    the filter w[f], scaled by it, to the output window at rows
    i * stride : i * stride + HH and columns j * stride : j * stride + WW of
    the padded output; the padding is then cropped away and the bias added.

    Input:
    - x: Input data of shape (N, F, H, W)
    - w: Filter weights of shape (F, C, HH, WW): the layout of the convolution
      this one transposes (F of its output channels, C of its input channels)
    - b: Biases, of shape (C,)
    - conv_param: A dictionary with the following keys:
      - 'stride': The stride of the convolution being transposed
      - 'pad': Its padding: an int, a pair (pad_h, pad_w), 'valid' or 'same'

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W'), where for an int pad
      H' = (H - 1) * stride - 2 * pad + HH
      W' = (W - 1) * stride - 2 * pad + WW
      ('valid' is pad 0; 'same' gives H' = H * stride and W' = W * stride).
      H', W' and the padding are worked out for you.
    - cache: (x, w, b, conv_param)
    """
    stride, pads, (H_out, W_out) = check_conv_transpose_args(x, w, b, conv_param)
    pad_top, pad_bottom, pad_left, pad_right = pads
    # TODO: Implement the transposed convolution's forward pass: scatter the
    # scaled filters into a zero array of shape
    # (N, C, pad_top + H' + pad_bottom, pad_left + W' + pad_right),
    # crop the padding away and add the bias.
    raise NotImplementedError("conv_transpose_forward_naive: not implemented yet; write it in cs231n/layers.py")
    cache = (x, w, b, conv_param)
    return out, cache


def conv_transpose_backward_naive(dout, cache):
    """A naive implementation of the backward pass for a transposed convolution.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple of (x, w, b, conv_param) as in conv_transpose_forward_naive

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, F, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (C,)
    """
    x, w, b, conv_param = cache
    stride, pads, (H_out, W_out) = check_conv_transpose_args(x, w, b, conv_param)
    pad_top, pad_bottom, pad_left, pad_right = pads
    check_dout(dout, (x.shape[0], w.shape[1], H_out, W_out), "(N, C, H', W')")
    # TODO: Implement the transposed convolution's backward pass. Pad dout
    # back to the scatter array's shape; each x[n, f, i, j] then sees the
    # window it was scattered into.
    raise NotImplementedError("conv_transpose_backward_naive: not implemented yet; write it in cs231n/layers.py")
    return dx, dw, db


__all__ = [
    "affine_backward",
    "affine_forward",
    "avg_pool_backward_naive",
    "avg_pool_forward_naive",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "batchnorm_forward",
    "conv_backward_naive",
    "conv_forward_naive",
    "conv_transpose_backward_naive",
    "conv_transpose_forward_naive",
    "layernorm_backward",
    "layernorm_forward",
    "max_pool_backward_naive",
    "max_pool_forward_naive",
    "relu_backward",
    "relu_forward",
    "softmax_loss",
    "spatial_batchnorm_backward",
    "spatial_batchnorm_forward",
    "spatial_groupnorm_backward",
    "spatial_groupnorm_forward",
    "svm_loss",
]

# GENERATED for this assignment from assignment/cs231n/gradient_check.py (convkit).
# Students: this file is provided complete; read it, you need not change it.
"""Numeric gradients and the checks that compare them with your analytic ones.

This module is the one home of the verification helpers the notebooks use:
`rel_error`, the numeric gradient functions, and `check_gradient` /
`check_gradients`, which say which entry of which gradient is wrong. Import
them; never copy them into a notebook.

Every numeric gradient here is a centered difference: for each entry x[i],

    df/dx[i] ~= (f(x + h * e_i) - f(x - h * e_i)) / (2 * h)

where e_i is the array that is 1 at index i and 0 elsewhere. Its error is of
order h ** 2, about 1e-10 for the default h = 1e-5, as long as f is smooth
near x (a ReLU kink or a max-pool tie within h of x spoils it).

The functions perturb x IN PLACE (so that f, which may hold a reference to x,
sees the change) and always restore it, even if f raises. x must therefore be
a numpy array of floats: an integer array cannot hold x + h.

Relative errors follow CS231n: for arrays x and y,

    rel_error(x, y) = max over entries of |x - y| / max(1e-8, |x| + |y|)

For the layers of this assignment, correct code gives around 1e-7 or less;
1e-2 or more means a bug.
"""

import numpy as np


def _check_float_array(name, x):
    """Check that x is a numpy array of floats that can be perturbed in place."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} must be an array of floats, got dtype {x.dtype}")


def _central_difference(f, x, ix, h):
    """Return (f(x + h e_ix), f(x - h e_ix)), restoring x[ix] afterwards."""
    old_value = x[ix]
    try:
        x[ix] = old_value + h
        f_plus = np.copy(f(x))  # copy: f may return a buffer it reuses
        x[ix] = old_value - h
        f_minus = np.copy(f(x))
    finally:
        x[ix] = old_value  # leave x exactly as we found it
    return f_plus, f_minus


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numeric gradient of a scalar function f at x, by centered differences.

    Inputs:
    - f: A function that takes one argument, an array of x's shape, and returns
      a scalar.
    - x: A numpy array of floats, of any shape, at which to evaluate the gradient.
      It is perturbed in place and restored.
    - verbose: If True, print each index and its gradient as it is computed.
    - h: The step of the centered difference.

    Returns:
    - grad: An array of the same shape as x; grad[i] ~= df/dx[i].
    """
    _check_float_array("x", x)
    grad = np.zeros_like(x)
    # Visit every index of x; "multi_index" gives it as a tuple such as (2, 0, 1).
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        # Evaluate f a little to the right and a little to the left of x[ix].
        f_plus, f_minus = _central_difference(f, x, ix, h)
        # The slope between the two points estimates the partial derivative.
        grad[ix] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numeric gradient of the scalar sum(f(x) * df) at x, by centered differences.

    Use it for a function f that returns an array (a layer's forward pass):
    df plays the role of the upstream gradient dout, and the result is what
    the layer's backward pass should return for x.

    Inputs:
    - f: A function that takes an array of x's shape and returns an array of
      df's shape.
    - x: A numpy array of floats, perturbed in place and restored.
    - df: The upstream gradient, an array of the shape of f(x).
    - h: The step of the centered difference.

    Returns:
    - grad: An array of the same shape as x; grad[i] ~= sum(df * d f(x) / dx[i]).
    """
    _check_float_array("x", x)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        f_plus, f_minus = _central_difference(f, x, ix, h)
        if f_plus.shape != np.shape(df):
            raise ValueError(f"df must have the shape of f(x) {f_plus.shape}, got {np.shape(df)}")
        # Chain rule: weight the change of every output by its upstream gradient.
        grad[ix] = np.sum((f_plus - f_minus) * df) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_blobs(f, inputs, output, h=1e-5):
    """Numeric gradients of a function that reads and writes "blobs".

    A blob is any object with two arrays of the same shape: `vals` (the values)
    and `diffs` (their gradients). f is called as f(*inputs, output), reads
    the inputs' vals and writes its result into output.vals.

    Inputs:
    - f: A function called as f(*inputs, output), writing into output.vals.
    - inputs: A tuple of input blobs; their vals are perturbed in place and
      restored.
    - output: The output blob; output.diffs holds the upstream gradient.
    - h: The step of the centered difference.

    Returns:
    - numeric_diffs: A list with, for each input blob, an array of the shape
      of its vals holding the numeric gradient of sum(output.vals * output.diffs)
      with respect to those vals.
    """
    inputs = tuple(inputs)

    def output_values(_vals):
        # Run f on the (perturbed) blobs and read the output it wrote.
        f(*inputs, output)
        return output.vals

    numeric_diffs = []
    for blob in inputs:
        numeric_diffs.append(
            eval_numerical_gradient_array(output_values, blob.vals, output.diffs, h=h)
        )
    return numeric_diffs


def eval_numerical_gradient_net(net, inputs, output, h=1e-5):
    """Numeric gradients for a network of blobs: `net.forward()` refreshes output.vals.

    Inputs and returns are those of `eval_numerical_gradient_blobs`; net is any
    object with a `forward()` method that takes no arguments.
    """
    return eval_numerical_gradient_blobs(lambda *args: net.forward(), inputs, output, h=h)


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5):
    """Compare an analytic gradient with centered differences at a few random indices.

    For each check, print the numeric and the analytic derivative and their
    relative error. The indices come from np.random, so np.random.seed makes
    the checks reproducible.

    Inputs:
    - f: A function that takes an array of x's shape and returns a scalar.
    - x: A numpy array of floats, perturbed in place and restored.
    - analytic_grad: Your gradient of f at x, an array of x's shape.
    - num_checks: How many random indices to check.
    - h: The step of the centered difference.

    Returns:
    - The largest relative error seen (a float).
    """
    _check_float_array("x", x)
    analytic_grad = np.asarray(analytic_grad)
    if analytic_grad.shape != x.shape:
        raise ValueError(
            f"analytic_grad must have the shape of x {x.shape}, got {analytic_grad.shape}"
        )
    worst = 0.0
    for _ in range(num_checks):
        # Pick a random index, one coordinate per axis of x (from the global
        # generator, so that np.random.seed in a notebook fixes the choice).
        ix = tuple(int(np.random.randint(n)) for n in x.shape)
        f_plus, f_minus = _central_difference(f, x, ix, h)
        grad_numerical = float((f_plus - f_minus) / (2 * h))
        grad_analytic = float(analytic_grad[ix])
        error = rel_error(grad_numerical, grad_analytic)
        worst = max(worst, error)
        print(
            f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, relative error: {error:e}"
        )
    return worst


def _relative_errors(x, y):
    """Elementwise |x - y| / max(1e-8, |x| + |y|) for arrays of the same shape."""
    with np.errstate(invalid="ignore", over="ignore"):  # inf or nan entries give nan, silently
        return np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))


def rel_error(x, y):
    """Relative error between two arrays (or scalars) of the same shape.

        rel_error(x, y) = max over entries of |x - y| / max(1e-8, |x| + |y|)

    The 1e-8 keeps two zeros from dividing by zero. The result is nan if
    either array holds nan (so `rel_error(...) < 1e-7` is then False).

    Inputs:
    - x, y: Numpy arrays of the same shape, or scalars.

    Returns:
    - The largest relative error, a float (0.0 for two empty arrays).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(
            f"rel_error needs x and y of the same shape, got x.shape = {x.shape} "
            f"and y.shape = {y.shape}"
        )
    if x.size == 0:
        return 0.0
    return float(np.max(_relative_errors(x, y)))


def _format_index(ix):
    """An index as a plain tuple of ints, e.g. (2, 0, 1, 1)."""
    return str(tuple(int(i) for i in ix))


def _compare(name, analytic, numeric, threshold):
    """Return (largest relative error, message) for one gradient."""
    if analytic is None:
        return float("inf"), (
            f"{name}: received None instead of a gradient; does your function return it?"
        )
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        return float("inf"), (
            f"{name}: received a gradient of shape {analytic.shape}, but the numeric "
            f"gradient has shape {numeric.shape}"
        )
    if analytic.size == 0:
        return 0.0, f"{name}: empty gradient, nothing to compare"
    errors = _relative_errors(analytic, numeric)
    # A nan anywhere is the worst possible entry: rank it above everything else.
    errors = np.where(np.isnan(errors), np.inf, errors)
    ix = np.unravel_index(np.argmax(errors), errors.shape)
    worst = float(errors[ix])
    if worst <= threshold:
        return worst, f"{name}: max relative error {worst:.1e} <= {threshold:g}, ok"
    return worst, (
        f"{name}: received derivative {analytic[ix]:.6g} at index {_format_index(ix)}, "
        f"but the central difference gives {numeric[ix]:.6g} "
        f"(relative error {worst:.1e} > {threshold:g})"
    )


def check_gradient(name, analytic, numeric, threshold=1e-7, strict=False, verbose=True):
    """Compare one analytic gradient with its numeric estimate and explain the worst entry.

    The comparison uses `rel_error`. When the largest relative error is above
    `threshold`, the message names the gradient, the index of the worst entry
    and both values, e.g.

        dw: received derivative -0.1234 at index (2, 0, 1, 1), but the central
        difference gives 0.5678 (relative error 1.2e+00 > 1e-07)

    otherwise it reads "dw: max relative error 3.1e-10 <= 1e-07, ok". A nan
    counts as the worst possible entry; a wrong shape or a missing gradient
    (None) is reported the same way, with an infinite error.

    Inputs:
    - name: What the gradient is called in your code ("dx", "W1", ...).
    - analytic: Your gradient, a numpy array (or scalar).
    - numeric: The numeric gradient, e.g. from eval_numerical_gradient_array.
    - threshold: The largest acceptable relative error.
    - strict: If False (default), the message is printed and nothing is raised.
      If True, a failed check raises AssertionError with the message (use it
      where a cell must stop on a wrong gradient).
    - verbose: If True (default), print the message (to stdout).

    Returns:
    - The largest relative error, a float (inf for a wrong shape or None; nan
      is reported as inf as well).
    """
    error, message = _compare(name, analytic, numeric, threshold)
    if verbose:
        print(message)
    if strict and not error <= threshold:
        raise AssertionError(message)
    return error


def check_gradients(analytic_grads, numeric_grads, threshold=1e-7, strict=False, verbose=True):
    """Run `check_gradient` on every gradient of a dict, e.g. a model's grads.

    Inputs:
    - analytic_grads: Dict mapping parameter names to your gradients, as
      returned by `model.loss(X, y)`.
    - numeric_grads: Dict with the same keys, mapping to numeric gradients.
    - threshold, strict, verbose: As in `check_gradient`. With strict=True,
      every parameter is checked and printed first; then one AssertionError
      lists all the failures.

    Returns:
    - A dict mapping each parameter name to its largest relative error, in
      sorted order of the names.
    """
    for what, grads in (("analytic_grads", analytic_grads), ("numeric_grads", numeric_grads)):
        if not isinstance(grads, dict):
            raise TypeError(f"{what} must be a dict, got {type(grads).__name__}")
    missing = sorted(set(numeric_grads) - set(analytic_grads))
    extra = sorted(set(analytic_grads) - set(numeric_grads))
    if missing or extra:
        raise ValueError(
            f"analytic_grads and numeric_grads must have the same keys: "
            f"missing from analytic_grads {missing}, not in numeric_grads {extra}"
        )
    errors, failures = {}, []
    for name in sorted(numeric_grads):
        error, message = _compare(name, analytic_grads[name], numeric_grads[name], threshold)
        if verbose:
            print(message)
        if not error <= threshold:
            failures.append(message)
        errors[name] = error
    if strict and failures:
        raise AssertionError("\n".join(failures))
    return errors

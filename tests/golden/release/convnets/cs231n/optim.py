# GENERATED for this assignment from assignment/cs231n/optim.py (convkit).
# Students: write your code in this file, in place of each line that raises NotImplementedError.
"""First-order update rules for training neural networks.

Each update rule has the same interface:

    next_w, config = update_rule(w, dw, config=None)

Inputs:
- w: A numpy array giving the current weights (any shape).
- dw: A numpy array of the same shape as w giving the gradient of the loss
  with respect to w.
- config: A dictionary of hyperparameters such as the learning rate and the
  momentum, and of the state the rule carries from one step to the next
  (velocity, running averages, step count). If None, an empty dict is used.

Returns a tuple of:
- next_w: The next point after the update, a new array of w's shape.
- config: The same config dict, with every missing hyperparameter filled in
  with its default and the state updated, ready for the next step.

Conventions (the tests and the grader rely on them):
- w and dw are never modified in place; next_w is a new array.
- Hyperparameters missing from config are filled in with `config.setdefault`,
  so a value given by the caller always wins.
- State starts at zero (np.zeros_like(w)) the first time a rule sees w, and
  lives in config under the keys named in each docstring, so that the Solver
  can keep one config per parameter and pass it back at the next step.

The default learning rates are only starting points: tune the learning rate
for every model. The other defaults rarely need changing.
"""

import numpy as np


def _check_args(w, dw, config):
    """Check the arguments every update rule receives and return the config dict."""
    if not isinstance(w, np.ndarray):
        raise TypeError(f"w must be a numpy array, got {type(w).__name__}")
    if not isinstance(dw, np.ndarray):
        raise TypeError(f"dw must be a numpy array, got {type(dw).__name__}")
    if dw.shape != w.shape:
        raise ValueError(f"dw must have the shape of w {w.shape}, got {dw.shape}")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict or None, got {type(config).__name__}")
    return config


def _zero_state(config, w, *keys):
    """Start every state array named in keys that config lacks at np.zeros_like(w).

    (Not config.setdefault(key, np.zeros_like(w)): Python evaluates that default
    before the call, so it would build and throw away new arrays at every step.)
    """
    for key in keys:
        if key not in config:
            config[key] = np.zeros_like(w)


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent.

        next_w = w - learning_rate * dw

    config keys:
    - learning_rate: the step size (default 1e-2).
    """
    config = _check_args(w, dw, config)
    config.setdefault("learning_rate", 1e-2)

    # Take a step of size learning_rate downhill, against the gradient.
    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    The velocity v is a running, decaying sum of the past steps:

        v = momentum * v - learning_rate * dw
        next_w = w + v

    config keys:
    - learning_rate: the step size (default 1e-2).
    - momentum: how much of the previous velocity is kept, in [0, 1)
      (default 0.9); with momentum = 0 this is sgd.
    - velocity: state, an array of w's shape (starts at np.zeros_like(w)).
    """
    config = _check_args(w, dw, config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    _zero_state(config, w, "velocity")
    next_w = None

    # TODO: Implement the momentum update formula above. Store the updated
    # velocity in config["velocity"] and the new weights in next_w.
    raise NotImplementedError("sgd_momentum: not implemented yet; write it in cs231n/optim.py")
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: divide each step by a moving average of the squared gradients.

    The cache is a per-weight running average of dw ** 2, so weights with
    large gradients take smaller steps:

        cache = decay_rate * cache + (1 - decay_rate) * dw ** 2
        next_w = w - learning_rate * dw / (np.sqrt(cache) + epsilon)

    (epsilon is added outside the square root.)

    config keys:
    - learning_rate: the step size (default 1e-2).
    - decay_rate: how much of the previous cache is kept, in [0, 1)
      (default 0.99).
    - epsilon: keeps the division finite where the cache is 0 (default 1e-8).
    - cache: state, the running average of dw ** 2, an array of w's shape
      (starts at np.zeros_like(w)).
    """
    config = _check_args(w, dw, config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    _zero_state(config, w, "cache")
    next_w = None

    # TODO: Implement the RMSprop update formula above. Store the updated
    # cache in config["cache"] and the new weights in next_w.
    raise NotImplementedError("rmsprop: not implemented yet; write it in cs231n/optim.py")
    return next_w, config


def adam(w, dw, config=None):
    """Adam: moving averages of both the gradient and its square, with bias correction.

    The step count t is incremented BEFORE it is used, so the first update
    uses t = 1:

        t = t + 1
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw ** 2
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        next_w = w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)

    config["m"] and config["v"] store the raw averages m and v, not the
    bias-corrected m_hat and v_hat.

    config keys:
    - learning_rate: the step size (default 1e-3).
    - beta1: how much of the previous m is kept (default 0.9).
    - beta2: how much of the previous v is kept (default 0.999).
    - epsilon: keeps the division finite where v is 0 (default 1e-8).
    - m: state, the running average of dw (starts at np.zeros_like(w)).
    - v: state, the running average of dw ** 2 (starts at np.zeros_like(w)).
    - t: state, the number of updates taken so far (starts at 0).
    """
    config = _check_args(w, dw, config)
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    _zero_state(config, w, "m", "v")
    config.setdefault("t", 0)
    next_w = None

    # TODO: Implement the Adam update formula above, incrementing t first.
    # Store the updated m, v and t in config["m"], config["v"] and config["t"],
    # and the new weights in next_w.
    raise NotImplementedError("adam: not implemented yet; write it in cs231n/optim.py")
    return next_w, config

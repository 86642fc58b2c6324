"""Mistakes in the update rules of cs231n/optim.py: sgd_momentum, rmsprop and adam.

Each rule is graded in its own cell; the Solver's step cell trains with
sgd_momentum and the training cells with adam, so those may lose points too.
"""

from autograder.demo.mistakes import Mistake
from autograder.demo.recipes import Patch

OPTIM = "cs231n/optim.py"

MISTAKES = (
    Mistake(
        "mistake-momentum-sign",
        "sgd_momentum subtracts the velocity (next_w = w - v), so every step goes uphill",
        (
            Patch(
                OPTIM,
                'next_w = w + v\n    config["velocity"] = v',
                'next_w = w - v\n    config["velocity"] = v',
            ),
        ),
        frozenset({"sgd_momentum"}),
    ),
    Mistake(
        "mistake-momentum-velocity-not-stored",
        "sgd_momentum never stores the new velocity, so every step starts from the old one",
        (Patch(OPTIM, 'next_w = w + v\n    config["velocity"] = v\n', "next_w = w + v\n"),),
        frozenset({"sgd_momentum"}),
    ),
    Mistake(
        "mistake-rmsprop-eps-inside-sqrt",
        "rmsprop divides by np.sqrt(cache + epsilon) instead of np.sqrt(cache) + epsilon",
        (
            Patch(
                OPTIM,
                'dw / (np.sqrt(cache) + config["epsilon"])',
                'dw / np.sqrt(cache + config["epsilon"])',
            ),
        ),
        frozenset({"rmsprop"}),
    ),
    Mistake(
        "mistake-rmsprop-no-sqrt",
        "rmsprop divides by cache + epsilon, without the square root",
        (
            Patch(
                OPTIM,
                'dw / (np.sqrt(cache) + config["epsilon"])',
                'dw / (cache + config["epsilon"])',
            ),
        ),
        frozenset({"rmsprop"}),
    ),
    Mistake(
        "mistake-rmsprop-decay-swapped",
        "rmsprop keeps 1 - decay_rate of the old cache and decay_rate of the new dw ** 2",
        (
            Patch(
                OPTIM,
                'cache = decay * config["cache"] + (1 - decay) * dw**2',
                'cache = (1 - decay) * config["cache"] + decay * dw**2',
            ),
        ),
        frozenset({"rmsprop"}),
    ),
    Mistake(
        "mistake-adam-stores-corrected",
        "adam stores the bias-corrected m_hat and v_hat in config instead of the raw averages",
        (
            Patch(
                OPTIM,
                '    config["t"], config["m"], config["v"] = t, m, v\n'
                "    m_hat = m / (1 - beta1**t)\n"
                "    v_hat = v / (1 - beta2**t)\n",
                "    m_hat = m / (1 - beta1**t)\n"
                "    v_hat = v / (1 - beta2**t)\n"
                '    config["t"], config["m"], config["v"] = t, m_hat, v_hat\n',
            ),
        ),
        frozenset({"adam"}),
    ),
)

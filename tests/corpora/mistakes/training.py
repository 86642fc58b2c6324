"""Mistakes in training: Adam (cs231n/optim.py), the Solver (cs231n/solver.py) and the
notebook's train_one_epoch."""

from autograder.demo.mistakes import Mistake
from autograder.demo.recipes import Patch

OPTIM = "cs231n/optim.py"
SOLVER = "cs231n/solver.py"
NOTEBOOK = "ConvolutionalNetworks.ipynb"

MISTAKES = (
    Mistake(
        "mistake-adam-no-bias-correction",
        "adam steps with m and v as they are, without the bias correction",
        (
            Patch(
                OPTIM,
                "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)",
                "    m_hat = m\n    v_hat = v",
            ),
        ),
        frozenset({"adam"}),
    ),
    Mistake(
        "mistake-adam-t-not-stored",
        "adam never stores the incremented t, so every step is corrected as the first one",
        (
            Patch(
                OPTIM,
                'config["t"], config["m"], config["v"] = t, m, v',
                'config["m"], config["v"] = m, v',
            ),
        ),
        frozenset({"adam"}),
    ),
    Mistake(
        "mistake-adam-no-sqrt",
        "adam divides by v_hat instead of its square root",
        (
            Patch(
                OPTIM,
                'm_hat / (np.sqrt(v_hat) + config["epsilon"])',
                'm_hat / (v_hat + config["epsilon"])',
            ),
        ),
        frozenset({"adam"}),
    ),
    Mistake(
        "mistake-solver-no-update",
        "Solver._step never calls the update rule: the parameters keep their initial values",
        (
            Patch(
                SOLVER,
                "next_w, next_config = self.update_rule(w, grads[p], self.optim_configs[p])",
                "next_w, next_config = w, self.optim_configs[p]",
            ),
        ),
        frozenset({"Solver._step"}),
    ),
    Mistake(
        "mistake-solver-labels",
        "Solver._step pairs the random minibatch of images with the first batch_size labels",
        (
            Patch(
                SOLVER,
                "y_batch = self.y_train[batch_mask]",
                "y_batch = self.y_train[: self.batch_size]",
            ),
        ),
        frozenset({"Solver._step"}),
    ),
    Mistake(
        "mistake-solver-fresh-config",
        "Solver._step gives the update rule a fresh copy of optim_config at every step, not "
        "the parameter's own config, so the rule's state (velocity, m, v, t) never carries over",
        (
            Patch(
                SOLVER,
                "next_w, next_config = self.update_rule(w, grads[p], self.optim_configs[p])",
                "next_w, next_config = self.update_rule(w, grads[p], dict(self.optim_config))",
            ),
        ),
        frozenset({"Solver._step"}),
        spared={
            "correct_overfit_small_data": "adam restarted at every step moves each weight by "
            "about learning_rate against the sign of its gradient, which still memorises 100 "
            "images in 20 epochs",
        },
    ),
    Mistake(
        "mistake-accuracy-last-batch",
        "Solver.check_accuracy scores only whole batches, leaving out the smaller last one",
        (
            Patch(
                SOLVER,
                "for start in range(0, len(indices), batch_size):",
                "for start in range(0, len(indices) - batch_size + 1, batch_size):",
            ),
            Patch(
                SOLVER,
                "return float(np.mean(y_pred == y[indices]))",
                "return float(np.mean(y_pred == y[indices][: len(y_pred)]))",
            ),
        ),
        frozenset({"Solver.check_accuracy"}),
        spared={
            "correct_overfit_small_data": "its 100 images make four whole batches of 25: no "
            "smaller last batch to leave out",
        },
    ),
    Mistake(
        "mistake-accuracy-no-replacement",
        "Solver.check_accuracy draws its sample without replacement, unlike its docstring",
        (
            Patch(
                SOLVER,
                "indices = np.random.choice(N, num_samples)",
                "indices = np.random.choice(N, num_samples, replace=False)",
            ),
        ),
        frozenset({"Solver.check_accuracy"}),
        spared={
            "correct_overfit_small_data": "its Solver never samples: 100 training images, "
            "num_train_samples 1000, and every validation image",
        },
    ),
    Mistake(
        "mistake-accuracy-axis",
        "Solver.check_accuracy takes the argmax over the batch (axis 0) instead of the classes",
        (
            Patch(
                SOLVER,
                "y_pred.append(np.argmax(scores, axis=1))",
                "y_pred.append(np.argmax(scores, axis=0))",
            ),
        ),
        frozenset({"Solver.check_accuracy"}),
    ),
    Mistake(
        "mistake-train-not-called",
        "the notebook's train_one_epoch builds the model and the Solver but never calls "
        "solver.train()",
        (
            Patch(
                NOTEBOOK,
                '    solver.train()\\n",\n    "    return solver\\n",',
                '    return solver\\n",',
            ),
        ),
        frozenset({"train_one_epoch"}),
    ),
)

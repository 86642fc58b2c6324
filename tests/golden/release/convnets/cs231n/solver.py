# GENERATED for this assignment from assignment/cs231n/solver.py (convkit).
# Students: write your code in this file, in place of each line that raises NotImplementedError.
"""The Solver: trains a classification model with minibatch gradient descent.

Read `Solver.train` to see a whole training loop: sample a minibatch, compute
the loss and gradients, update every parameter with a rule from
`cs231n.optim`, decay the learning rate once per epoch, and keep the
parameters that did best on the validation set.
"""

import copy
import inspect
import numbers
import os
import pickle
import sys
import time

import numpy as np

from cs231n import optim

# With progress=None, the progress bar is shown when verbose=False and the
# training runs for at least this many iterations.
PROGRESS_MIN_ITERATIONS = 100

# The progress bar is redrawn at most this many times per call to train().
PROGRESS_UPDATES = 50


class Solver:
    """Train a classification model with minibatch stochastic gradient descent.

    Build a Solver from a model, a dataset and the options listed in
    `__init__`, then call `train()`. Every iteration samples a minibatch,
    asks the model for the loss and its gradients, and moves every parameter
    with an update rule from `cs231n.optim`. Accuracy on the training and
    validation sets is checked at the first iteration and at the end of every
    epoch, so that overfitting shows; when `train()` returns, `model.params`
    holds the parameters that reached the best validation accuracy.

    What is recorded (all lists grow during `train()`):
    - loss_history: the minibatch loss of every iteration;
    - train_acc_history, val_acc_history: one accuracy per check, so
      num_epochs + 1 entries after a run of more than one iteration;
    - best_val_acc, best_params: the best validation accuracy so far and
      copies of the parameters that reached it;
    - epoch: the number of epochs completed;
    - optim_configs: one config dict per parameter name (a deep copy of
      optim_config), carrying that parameter's update-rule state.

    Example:

        data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
        model = ThreeLayerConvNet(weight_scale=1e-2, reg=1e-3)
        solver = Solver(model, data, update_rule="adam",
                        optim_config={"learning_rate": 1e-3},
                        lr_decay=0.95, num_epochs=5, batch_size=50, print_every=20)
        solver.train()

    The model can be any object with:

    - model.params: a dict mapping parameter names (strings) to numpy arrays.
    - model.loss(X, y=None):
      Inputs:
      - X: A minibatch of inputs, of shape (N, d_1, ..., d_k)
      - y: Labels of shape (N,), y[i] in range(C) being the class of X[i];
        or None.
      Returns:
      - when y is None (test time): scores, of shape (N, C), where
        scores[i, c] is the score of class c for X[i];
      - otherwise (training time) a tuple of:
        - loss: the loss on the minibatch, a scalar
        - grads: a dict with the keys of model.params, mapping each name to
          the gradient of the loss with respect to that parameter.

    Everything the Solver prints goes to stdout.
    """

    def __init__(self, model, data, **kwargs):
        """Set up a Solver; training starts only with `train()`.

        Required arguments:
        - model: A model with `params` and `loss(X, y=None)` as described above.
        - data: A dict of training and validation data with the keys
          - 'X_train': training inputs, of shape (N_train, d_1, ..., d_k)
          - 'y_train': training labels, of shape (N_train,)
          - 'X_val': validation inputs, of shape (N_val, d_1, ..., d_k)
          - 'y_val': validation labels, of shape (N_val,)
          Other keys (X_test, ...) are ignored.

        Optional keyword arguments:
        - update_rule: The name of a function in cs231n.optim ('sgd',
          'sgd_momentum', 'rmsprop', 'adam'). Default 'sgd'.
        - optim_config: The hyperparameters given to the update rule, e.g.
          {'learning_rate': 1e-3}; each parameter gets its own deep copy.
          Default {} (the rule's defaults).
        - lr_decay: At the end of every epoch, every learning rate is
          multiplied by this factor. Default 1.0.
        - batch_size: The number of examples in a minibatch. Default 100.
        - num_epochs: How many epochs train() runs. Default 10.
        - num_train_samples: How many training examples (drawn at random) to
          use when checking the training accuracy; None uses all of them.
          Default 1000.
        - num_val_samples: The same for the validation accuracy. Default None.
        - checkpoint_name: If not None, a checkpoint is pickled at every
          accuracy check to "<checkpoint_name>_epoch_<epoch>.pkl".
        - print_every: Print the loss every print_every iterations. Default 10.
        - verbose: If False, print nothing during training (except the
          progress bar, see below). Default True.
        - progress: Whether to show a one-line progress bar on stdout during
          train(). None (default) shows it when verbose is False and training
          runs for at least PROGRESS_MIN_ITERATIONS (100) iterations; True or
          False force it on or off.

        Raises ValueError for an unknown keyword argument, an unknown update
        rule, a missing data key, or inputs and labels of different lengths.
        """
        self.model = model
        self._check_model(model)
        self.X_train, self.y_train = self._check_split(data, "train")
        self.X_val, self.y_val = self._check_split(data, "val")

        # Read the options, falling back on the defaults.
        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)

        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        self.progress = kwargs.pop("progress", None)

        # Whatever is left over is a typo or an option this Solver does not have.
        if len(kwargs) > 0:
            extra = ", ".join(f'"{k}"' for k in kwargs)
            raise ValueError(f"Unrecognized arguments {extra}")
        self._check_options()

        # From here on, update_rule is the function itself, not its name.
        self.update_rule = self._find_update_rule(self.update_rule)

        self._reset()

    @staticmethod
    def _check_model(model):
        """Check that the model has a params dict and a loss method."""
        if not isinstance(getattr(model, "params", None), dict):
            raise TypeError("model must have a `params` dict mapping names to numpy arrays")
        if not callable(getattr(model, "loss", None)):
            raise TypeError("model must have a `loss(X, y=None)` method")

    @staticmethod
    def _check_split(data, split):
        """Return (X, y) for split 'train' or 'val' of data, checking that they match."""
        if not hasattr(data, "keys"):
            raise TypeError(f"data must be a dict, got {type(data).__name__}")
        required = ("X_train", "y_train", "X_val", "y_val")
        missing = [key for key in required if key not in data]
        if missing:
            raise ValueError(f"data is missing the keys {missing} (it has {sorted(data)})")
        X = np.asarray(data["X_" + split])
        y = np.asarray(data["y_" + split])
        if X.ndim < 1 or y.ndim != 1:
            raise ValueError(
                f"data['X_{split}'] must have shape (N, ...) and data['y_{split}'] shape (N,), "
                f"got {X.shape} and {y.shape}"
            )
        if X.shape[0] != y.shape[0]:
            raise ValueError(
                f"data['X_{split}'] holds {X.shape[0]} examples but data['y_{split}'] holds "
                f"{y.shape[0]} labels"
            )
        if X.shape[0] == 0:
            raise ValueError(f"data['X_{split}'] must hold at least one example")
        return X, y

    def _check_options(self):
        """Check the keyword arguments, naming the first one that is wrong."""
        for name in ("batch_size", "num_epochs", "print_every"):
            value = getattr(self, name)
            if not _is_positive_int(value):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("num_train_samples", "num_val_samples"):
            value = getattr(self, name)
            if value is not None and not _is_positive_int(value):
                raise ValueError(f"{name} must be None or a positive integer, got {value!r}")
        if not isinstance(self.optim_config, dict):
            raise TypeError(f"optim_config must be a dict, got {type(self.optim_config).__name__}")
        if not isinstance(self.lr_decay, numbers.Real) or not self.lr_decay > 0:
            raise ValueError(f"lr_decay must be a positive number, got {self.lr_decay!r}")
        if self.checkpoint_name is not None and not isinstance(self.checkpoint_name, str):
            raise TypeError(
                f"checkpoint_name must be None or a string, got {self.checkpoint_name!r}"
            )
        if self.progress not in (None, True, False):
            raise ValueError(f"progress must be None, True or False, got {self.progress!r}")

    @staticmethod
    def _find_update_rule(name):
        """Return the function of cs231n.optim called `name`."""
        if not isinstance(name, str):
            raise TypeError(
                f"update_rule must be the name of a function in cs231n.optim, got {name!r}"
            )
        rule = getattr(optim, name, None)
        if name.startswith("_") or not inspect.isfunction(rule):
            known = sorted(
                key
                for key, value in vars(optim).items()
                if inspect.isfunction(value)
                and value.__module__ == optim.__name__
                and not key.startswith("_")
            )
            raise ValueError(
                f'Invalid update_rule "{name}"; cs231n.optim defines {", ".join(known)}'
            )
        return rule

    def _reset(self):
        """Clear the histories and give every parameter a fresh optim config.

        Called by __init__; train() does not call it, so a second train()
        carries on from where the first stopped.
        """
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []

        # Each parameter needs its own copy of the config: the update rule
        # stores that parameter's state (velocity, cache, ...) in it.
        self.optim_configs = {}
        for p in self.model.params:
            self.optim_configs[p] = copy.deepcopy(self.optim_config)

    def _step(self):
        """Take one gradient step on one minibatch; train() calls it once per iteration.

        One step:
        1. Sample a minibatch of batch_size examples of the training data with
           np.random.choice(num_train, batch_size) (with replacement, so
           seeded runs match the reference).
        2. Compute the loss and the gradients on it with model.loss.
        3. Append the loss to self.loss_history.
        4. For every parameter p, call the update rule with
           self.optim_configs[p], store the new value in self.model.params[p]
           and the returned config in self.optim_configs[p].
        """
        # TODO: Implement one gradient update, following steps 1 to 4 above.
        raise NotImplementedError("Solver._step: not implemented yet; write it in cs231n/solver.py")

    def _save_checkpoint(self):
        """Pickle the model and the training state to "<checkpoint_name>_epoch_<epoch>.pkl".

        Does nothing when checkpoint_name is None. The update rule is saved by
        name (e.g. "adam"), so the file loads without cs231n.optim.
        """
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule.__name__,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            print(f'Saving checkpoint to "{filename}"')
        # Write to a temporary file first, so an interrupted save never leaves
        # a truncated checkpoint behind.
        partial = filename + ".partial"
        with open(partial, "wb") as f:
            pickle.dump(checkpoint, f)
        os.replace(partial, filename)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Return the fraction of examples of (X, y) that the model classifies correctly.

        Inputs:
        - X: Inputs, of shape (N, d_1, ..., d_k)
        - y: Labels, of shape (N,)
        - num_samples: If not None and N > num_samples, only num_samples
          examples are used, drawn with np.random.choice(N, num_samples) (with
          replacement, so seeded runs match the reference).
        - batch_size: The model scores at most this many examples at a time,
          which bounds the memory used; the last batch may be smaller.

        Returns:
        - acc: A float in [0, 1], the mean of (prediction == y) where the
          prediction for an example is the argmax over classes of its scores
          from self.model.loss(X_batch) (test mode, no labels).
        """
        X, y = np.asarray(X), np.asarray(y)
        if X.ndim < 1 or y.ndim != 1 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
            raise ValueError(
                f"X must have shape (N, ...) and y shape (N,) with N >= 1, "
                f"got {X.shape} and {y.shape}"
            )
        if num_samples is not None and not _is_positive_int(num_samples):
            raise ValueError(f"num_samples must be None or a positive integer, got {num_samples!r}")
        if not _is_positive_int(batch_size):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")

        # TODO: Compute the accuracy: subsample as described above, then
        # predict batch_size examples at a time with self.model.loss(X_batch)
        # and the argmax of the scores over classes. Return it as a float.
        raise NotImplementedError("Solver.check_accuracy: not implemented yet; write it in cs231n/solver.py")

    def train(self):
        """Run optimization to train the model.

        Runs num_epochs epochs of max(N_train // batch_size, 1) iterations
        each. The accuracies are checked (and a checkpoint saved) at the first
        iteration, at the last one and at the end of every epoch, scoring
        batch_size examples at a time; the learning rate of every parameter is
        multiplied by lr_decay at the end of every epoch. At the end,
        model.params holds (copies of) the parameters with the best validation
        accuracy.
        """
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        show_progress = self.progress
        if show_progress is None:
            show_progress = not self.verbose and num_iterations >= PROGRESS_MIN_ITERATIONS
        bar = _ProgressBar(num_iterations, self.num_epochs) if show_progress else None

        try:
            for t in range(num_iterations):
                self._step()

                # Report the loss now and then.
                if self.verbose and t % self.print_every == 0:
                    self._print(
                        bar,
                        f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}",
                    )

                # At the end of every epoch, increment the epoch counter and
                # decay the learning rate.
                epoch_end = (t + 1) % iterations_per_epoch == 0
                if epoch_end:
                    self.epoch += 1
                    for k in self.optim_configs:
                        self.optim_configs[k]["learning_rate"] *= self.lr_decay

                # Check train and val accuracy on the first iteration, the last
                # iteration, and at the end of each epoch. Scoring batch_size
                # examples at a time, a check never needs more memory than a step.
                first_it = t == 0
                last_it = t == num_iterations - 1
                if first_it or last_it or epoch_end:
                    train_acc = self.check_accuracy(
                        self.X_train,
                        self.y_train,
                        num_samples=self.num_train_samples,
                        batch_size=self.batch_size,
                    )
                    val_acc = self.check_accuracy(
                        self.X_val,
                        self.y_val,
                        num_samples=self.num_val_samples,
                        batch_size=self.batch_size,
                    )
                    self.train_acc_history.append(train_acc)
                    self.val_acc_history.append(val_acc)
                    self._save_checkpoint()

                    if self.verbose:
                        self._print(
                            bar,
                            f"(Epoch {self.epoch} / {self.num_epochs}) "
                            f"train acc: {train_acc:f}; val_acc: {val_acc:f}",
                        )

                    # Keep track of the best model (copies, since training
                    # goes on); the first check always counts, so that
                    # best_params is never left empty.
                    if val_acc > self.best_val_acc or not self.best_params:
                        self.best_val_acc = val_acc
                        self.best_params = {}
                        for k, v in self.model.params.items():
                            self.best_params[k] = v.copy()

                if bar is not None:
                    bar.update(t + 1, t // iterations_per_epoch + 1, self.loss_history)
        finally:
            if bar is not None:
                bar.close()

        # At the end of training swap the best params into the model (copies,
        # so that training further never changes best_params).
        self.model.params = {k: v.copy() for k, v in self.best_params.items()}

    @staticmethod
    def _print(bar, message):
        """Print a message on its own line, clearing the progress bar first."""
        if bar is not None:
            bar.clear()
        print(message)


def _duration(seconds):
    """A duration as the progress bar shows it: "4.7 s", "2 min 05 s", "1 h 02 min"."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _is_positive_int(value):
    """True for an int (not a bool) >= 1."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


class _ProgressBar:
    """A one-line progress bar on stdout, redrawn in place with a carriage return.

    It is redrawn at most PROGRESS_UPDATES times, so a long run does not flood
    a notebook's output. Each line shows the epoch, the iteration, the mean
    loss since the previous redraw, the elapsed time and the time left (the
    elapsed time per iteration so far, times the iterations left), e.g.

        [########------------] epoch 2 / 5, iteration 200 / 500, loss 1.2345, 3.1 s, 4.7 s left

    The last line says "done" in place of the time left.
    """

    width = 20  # characters of the bar itself

    def __init__(self, num_iterations, num_epochs):
        self.num_iterations = num_iterations
        self.num_epochs = num_epochs
        self.start = time.monotonic()
        self.last_mark = 0  # the mark of the previous redraw
        self.last_iteration = 0  # iteration of the previous redraw
        self.line_length = 0  # length of the text currently on the line

    def update(self, iteration, epoch, loss_history):
        """Redraw if `iteration` reached the next of the PROGRESS_UPDATES marks."""
        mark = iteration * PROGRESS_UPDATES // self.num_iterations
        if mark <= self.last_mark and iteration < self.num_iterations:
            return
        self.last_mark = mark
        # The losses of the iterations since the previous redraw.
        recent = loss_history[max(0, len(loss_history) - (iteration - self.last_iteration)) :]
        self.last_iteration = iteration
        filled = self.width * iteration // self.num_iterations
        bar = "#" * filled + "-" * (self.width - filled)
        loss = f"{np.mean(recent):.4f}" if recent else "n/a"
        elapsed = time.monotonic() - self.start
        left = self.num_iterations - iteration
        remaining = f"{_duration(elapsed / iteration * left)} left" if left else "done"
        line = (
            f"[{bar}] epoch {epoch} / {self.num_epochs}, iteration {iteration} / "
            f"{self.num_iterations}, loss {loss}, {_duration(elapsed)}, {remaining}"
        )
        # Pad with spaces to wipe out a longer previous line.
        self._write("\r" + line.ljust(self.line_length))
        self.line_length = len(line)

    def clear(self):
        """Blank the current line so that a message can be printed there."""
        if self.line_length:
            self._write("\r" + " " * self.line_length + "\r")
            self.line_length = 0

    def close(self):
        """Finish the bar's line with a newline."""
        if self.line_length:
            self._write("\n")
            self.line_length = 0

    @staticmethod
    def _write(text):
        # Look sys.stdout up at each write: notebooks and tests replace it.
        sys.stdout.write(text)
        sys.stdout.flush()

"""Mistakes in spatial batch normalisation and spatial group normalisation (cs231n/layers.py)."""

from autograder.demo.mistakes import Mistake
from autograder.demo.recipes import Patch

LAYERS = "cs231n/layers.py"
BN_FORWARD = frozenset({"spatial_batchnorm_forward"})
GN_FORWARD = frozenset({"spatial_groupnorm_forward"})
GN_BACKWARD = frozenset({"spatial_groupnorm_backward"})

MISTAKES = (
    Mistake(
        "mistake-bn-test-mode-trains",
        "spatial_batchnorm_forward always runs batch norm in train mode: at test time it uses "
        "the batch's statistics and updates the running averages",
        (
            Patch(
                LAYERS,
                "    out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)\n",
                '    bn_param["mode"] = "train"\n'
                "    out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)\n",
            ),
        ),
        BN_FORWARD,
        {
            "correct_spatial_batchnorm_forward": "its cases run in train mode only",
            "correct_spatial_batchnorm_backward": "its cases run in train mode only",
        },
    ),
    Mistake(
        "mistake-bn-backward-axes",
        "spatial_batchnorm_backward reshapes dout to (N*H*W, C) without moving the channels "
        "last (the forward pass does it right)",
        (
            Patch(
                LAYERS,
                "drows = dout.transpose(0, 2, 3, 1).reshape(-1, C)",
                "drows = dout.reshape(-1, C)",
            ),
            Patch(
                LAYERS,
                "dx = dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
                "dx = dx_rows.reshape(N, C, H, W)",
            ),
        ),
        frozenset({"spatial_batchnorm_backward"}),
    ),
    Mistake(
        "mistake-gn-groups-axis",
        "spatial_groupnorm_forward splits the groups along the wrong axis: "
        "x.reshape(N, -1, G) instead of x.reshape(N, G, -1)",
        (Patch(LAYERS, "groups = x.reshape(N, G, -1)", "groups = x.reshape(N, -1, G)"),),
        GN_FORWARD,
    ),
    Mistake(
        "mistake-gn-batch-mean",
        "spatial_groupnorm_forward centres each group with its mean over the whole batch",
        (
            Patch(
                LAYERS,
                "x_centered = groups - groups.mean(axis=2, keepdims=True)",
                "x_centered = groups - groups.mean(axis=(0, 2), keepdims=True)",
            ),
        ),
        GN_FORWARD,
    ),
    Mistake(
        "mistake-gn-dbeta-per-example",
        "spatial_groupnorm_backward does not sum dbeta over the batch: shape (N, C, 1, 1)",
        (
            Patch(
                LAYERS,
                "dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)",
                "dbeta = dout.sum(axis=(2, 3), keepdims=True)",
            ),
        ),
        GN_BACKWARD,
    ),
    Mistake(
        "mistake-gn-dgamma-is-dbeta",
        "spatial_groupnorm_backward forgets x_hat in dgamma (it returns dbeta's sum)",
        (
            Patch(
                LAYERS,
                'dgamma = np.einsum("nchw,nchw->c", dout, x_hat).reshape(1, C, 1, 1)',
                "dgamma = dout.sum(axis=(0, 2, 3), keepdims=True)",
            ),
        ),
        GN_BACKWARD,
    ),
    Mistake(
        "mistake-gn-dx-no-variance-term",
        "spatial_groupnorm_backward drops the term of dx that flows through the variance",
        (
            Patch(
                LAYERS,
                "dx = x_hat_groups * mean_dx_hat_x_hat\n",
                "dx = np.zeros_like(x_hat_groups)\n",
            ),
        ),
        GN_BACKWARD,
    ),
)

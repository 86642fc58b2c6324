# GENERATED for this assignment from assignment/cs231n/synthetic.py (convkit).
# Students: this file is provided complete; read it, you need not change it.
"""A synthetic stand-in for CIFAR-10, generated offline in a few seconds.

Ten classes of 32x32 RGB images, written in CIFAR-10's python format so that
`data_utils.load_CIFAR10` reads it exactly as it reads the real thing. Six classes
are shapes, four are textures:

    0 disc          a filled circle
    1 ring          a circle outline, 1.5 to 3 pixels thick
    2 square        a filled square, at any angle
    3 triangle      a filled equilateral triangle, at any angle
    4 cross         a plus sign, at any angle
    5 bar           a filled rectangle, about 3.3 times as long as it is wide, at any angle
    6 hstripes      horizontal stripes over the whole image (tilted up to 10 degrees)
    7 vstripes      vertical stripes over the whole image (tilted up to 10 degrees)
    8 checkerboard  a checkerboard over the whole image (tilted up to 10 degrees)
    9 speckle       small random blotches over the whole image

Every image has two colours drawn at random whatever the class: a foreground (the
shape, the stripes, the blotches) and a darker background, at least 90 apart in
RGB space. Shapes span about 13 to 26 pixels, moved up to 3 pixels from the
centre; textures have a period of 5 to 10 pixels and a random phase. Backgrounds
carry a random colour gradient and smooth colour blotches, and every pixel gets
Gaussian noise (standard deviation 2 to 8).

How hard it is, measured on the default dataset (trained on the first 49000
training images, scored on the next 1000, "val", and on the first 1000 test images):

    chance                                                          0.10
    softmax regression on each image's mean colour                  0.13 val
    softmax regression on raw pixels (10 epochs of Adam)            0.43 val
    ridge regression on raw pixels (closed form; 4000 training      0.41 to 0.43 test
      images of seeds 1 to 3, as in the tests)
    ThreeLayerConvNet and Solver of this kit, one epoch with the    0.88 val, 0.89 test
      notebook's settings (weight_scale 1e-3, reg 1e-3,
      hidden_dim 100, Adam, learning rate 1e-3, batch 50)
    the same network in PyTorch, hidden_dim 100 or 500, this        0.92 to 0.94 val
      dataset and those of seeds 1 and 2

A linear model cannot use the textures (their phase is random, so the mean image of
a texture class is flat) and only blurred templates of the shapes; a convnet learns
both. After one epoch its mistakes are mostly discs taken for squares and triangles
for crosses.

Files (same names, format, keys and dtypes as CIFAR-10's):

    data_batch_1 .. data_batch_5, test_batch
        a pickled dict {'batch_label': str, 'labels': list of int,
        'data': uint8 array (N, 3072), 'filenames': list of str}; each row
        holds the 1024 red values of the image (row by row), then the 1024
        green, then the 1024 blue
    batches.meta
        {'label_names': list of str, 'num_cases_per_batch': int, 'num_vis': 3072}
    synthetic.json
        the generator version, the file format and the arguments (CIFAR-10 has
        no such file)

Like the real files, these are Python 2 pickles (protocol 2) whose strings are
Python 2 str, so any CIFAR-10 loader reads both alike: with
pickle.load(f, encoding='latin1'), CS231n's way, the keys and strings load as
str ('data'); with encoding='bytes' they load as bytes (b'data'); the default
encoding fails on the pixels, as it does on the real files. Labels are balanced
exactly: each class has num_train // 10 or one more training images, and the same
for test images.

Generation is deterministic: the same arguments give the same bytes, on any
machine with the same numpy version.

    make_synthetic_cifar10(root, seed=0, num_train=50000, num_test=10000)
"""

import json
import os
import pickle
import shutil
import struct
import tempfile

import numpy as np

CLASS_NAMES = (
    "disc",
    "ring",
    "square",
    "triangle",
    "cross",
    "bar",
    "hstripes",
    "vstripes",
    "checkerboard",
    "speckle",
)

# Bumped whenever the images change, so that data_utils regenerates old copies.
GENERATOR_VERSION = 1
STAMP_FILE = "synthetic.json"
BATCH_FILES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5")
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
# The files' format: 1 was Python 3 pickles (protocol 4, bytes keys), 2 is Python 2 pickles
# as CIFAR-10's own. Bumped whenever the bytes change but not the images, so that
# data_utils regenerates old copies without drawing other images.
FORMAT_VERSION = 2
PICKLE_PROTOCOL = 2  # CIFAR-10's: Python 2's highest

_SIZE = 32
_CHUNK = 2500  # images drawn at once: large enough for numpy, small enough for the cache

# Pixel centres, measured from the middle of the image: shapes (1, 1, 32) and (1, 32, 1).
_C = np.arange(_SIZE, dtype=np.float32) - (_SIZE - 1) / 2
_X = _C[None, None, :]
_Y = _C[None, :, None]
_LUMA = np.array([0.299, 0.587, 0.114])  # brightness of an RGB colour


def _bilinear_matrix(n_in, n_out=_SIZE):
    """Return the (n_out, n_in) matrix that resamples n_in points onto n_out, linearly."""
    pos = np.linspace(0, n_in - 1, n_out)
    lo = np.minimum(np.floor(pos).astype(int), n_in - 2)
    frac = pos - lo
    M = np.zeros((n_out, n_in), dtype=np.float32)
    M[np.arange(n_out), lo] = 1 - frac
    M[np.arange(n_out), lo + 1] = frac
    return M


_UP4 = _bilinear_matrix(4)
_UP16 = _bilinear_matrix(16)


def _smooth_field(rng, n, up):
    """Return n smooth random fields (n, 32, 32): a k x k grid of N(0, 1) values, interpolated."""
    k = up.shape[1]
    g = rng.standard_normal((n, k, k), dtype=np.float32)
    return up @ g @ up.T


def _coverage(sd):
    """Turn a signed distance in pixels (negative inside) into a smooth coverage in [0, 1]."""
    return np.clip(0.5 - sd, 0.0, 1.0)


def _rotated(rng, n, max_shift, max_angle=np.pi):
    """Return image coordinates (u, v), each (n, 32, 32), shifted and rotated at random."""
    theta = rng.uniform(-max_angle, max_angle, (n, 1, 1)).astype(np.float32)
    dx, dy = rng.uniform(-max_shift, max_shift, (2, n, 1, 1)).astype(np.float32)
    c, s = np.cos(theta), np.sin(theta)
    x, y = _X - dx, _Y - dy
    return c * x + s * y, c * y - s * x


# Each class is a function (rng, n) -> coverage (n, 32, 32) of the foreground.


def _shape(rng, n):
    """Return coordinates (u, v) centred on n shapes at random angles, and sizes r (n, 1, 1)."""
    u, v = _rotated(rng, n, max_shift=3.0)
    r = rng.uniform(8.0, 13.0, (n, 1, 1)).astype(np.float32)
    return u, v, r


def _disc(rng, n):
    u, v, r = _shape(rng, n)
    return _coverage(np.hypot(u, v) - r)


def _ring(rng, n):
    u, v, r = _shape(rng, n)
    half_width = rng.uniform(0.75, 1.5, (n, 1, 1)).astype(np.float32)
    return _coverage(np.abs(np.hypot(u, v) - r) - half_width)


def _square(rng, n):
    u, v, r = _shape(rng, n)
    return _coverage(np.maximum(np.abs(u), np.abs(v)) - 0.8 * r)


def _triangle(rng, n):
    u, v, r = _shape(rng, n)
    # Inside all three half-planes whose normals point 120 degrees apart.
    sd = v
    for angle in (2 * np.pi / 3, 4 * np.pi / 3):
        sd = np.maximum(sd, np.cos(angle) * v + np.sin(angle) * u)
    return _coverage(sd - 0.55 * r)


def _cross(rng, n):
    u, v, r = _shape(rng, n)
    au, av, half_width = np.abs(u), np.abs(v), 0.3 * r
    arms = np.minimum(np.maximum(au - half_width, av - r), np.maximum(av - half_width, au - r))
    return _coverage(arms)


def _bar(rng, n):
    u, v, r = _shape(rng, n)
    return _coverage(np.maximum(np.abs(u) - r, np.abs(v) - 0.3 * r))


def _lattice(rng, n):
    """Return coordinates (u, v) tilted up to 10 degrees, random phase, and periods (n, 1, 1)."""
    u, v = _rotated(rng, n, max_shift=16.0, max_angle=np.deg2rad(10.0))
    period = rng.uniform(5.0, 10.0, (n, 1, 1)).astype(np.float32)
    # cos(k * u) / k is about the signed distance to the nearest edge, near the edges.
    return u, v, np.float32(2 * np.pi) / period


def _hstripes(rng, n):
    u, v, k = _lattice(rng, n)
    return _coverage(-np.cos(k * v) / k)


def _vstripes(rng, n):
    u, v, k = _lattice(rng, n)
    return _coverage(-np.cos(k * u) / k)


def _checkerboard(rng, n):
    u, v, k = _lattice(rng, n)
    return _coverage(-np.cos(k * u) * np.cos(k * v) / k)


def _speckle(rng, n):
    # Threshold a field that varies every two pixels; the factor sharpens its edges.
    return _coverage(-2.0 * _smooth_field(rng, n, _UP16))


_MASKS = (_disc, _ring, _square, _triangle, _cross, _bar, _hstripes, _vstripes, _checkerboard)
_MASKS += (_speckle,)


def _colour_pairs(rng, n, min_distance=90.0):
    """Return foreground and background colours (n, 3), at least min_distance apart in RGB.

    The foreground is the brighter of the two.
    """
    fg = rng.uniform(0, 255, (n, 3))
    bg = rng.uniform(0, 255, (n, 3))
    bad = np.linalg.norm(fg - bg, axis=1) < min_distance
    while bad.any():
        fg[bad] = rng.uniform(0, 255, (bad.sum(), 3))
        bad = np.linalg.norm(fg - bg, axis=1) < min_distance
    swap = (fg - bg) @ _LUMA < 0
    fg[swap], bg[swap] = bg[swap], fg[swap]
    return fg.astype(np.float32), bg.astype(np.float32)


def _render(labels, rng):
    """Draw one image per label; return uint8 rows (n, 3072) in CIFAR-10's channel-major order."""
    n = len(labels)
    mask = np.empty((n, _SIZE, _SIZE), dtype=np.float32)
    for label, draw in enumerate(_MASKS):
        idx = np.flatnonzero(labels == label)
        if idx.size:
            mask[idx] = draw(rng, idx.size)
    fg, bg = _colour_pairs(rng, n)
    # Background (n, 3, 32, 32): its colour, a linear gradient and smooth blotches per channel.
    grad = rng.uniform(-1.5, 1.5, (2, n, 3, 1, 1)).astype(np.float32)
    img = bg[:, :, None, None] + grad[0] * _X[:, None] + grad[1] * _Y[:, None]
    img += 12.0 * _smooth_field(rng, 3 * n, _UP4).reshape(n, 3, _SIZE, _SIZE)
    # Blend in the foreground where the mask covers: img + coverage * (fg - img).
    img += mask[:, None] * (fg[:, :, None, None] - img)
    sigma = rng.uniform(2.0, 8.0, (n, 1, 1, 1)).astype(np.float32)
    img += sigma * rng.standard_normal(img.shape, dtype=np.float32)
    np.clip(img, 0, 255, out=img)
    # (n, 3, 32, 32) flattened per image is exactly CIFAR-10's row: R plane, G plane, B plane.
    return np.rint(img).astype(np.uint8).reshape(n, 3 * _SIZE * _SIZE)


def _balanced_labels(rng, n):
    """Return n labels in random order, each class appearing n // 10 or n // 10 + 1 times."""
    return rng.permutation(np.arange(n) % len(CLASS_NAMES))


def _batch_dict(batch_label, labels, data, first_index):
    """Return a batch laid out as CIFAR-10's: bytes for Python 2 str, list labels, uint8 rows."""
    names = [f"{CLASS_NAMES[y]}_s_{first_index + i:06d}.png".encode() for i, y in enumerate(labels)]
    return {
        b"batch_label": batch_label.encode(),
        b"labels": [int(y) for y in labels],
        b"data": data,
        b"filenames": names,
    }


def synthetic_batches(seed=0, num_train=50000, num_test=10000):
    """Yield (file name, batch dict) for every file of the dataset, in CIFAR-10's order.

    Inputs:
    - seed: the random seed; the same arguments always yield the same batches
    - num_train: training images, split over the five data batches as evenly as possible
    - num_test: test images, all in test_batch

    Yields 7 pairs: data_batch_1 .. data_batch_5, test_batch, then batches.meta.
    Each dict is the file's content as pickle.load(f, encoding='bytes') returns it:
    bytes keys and strings (b'data', b'labels', ...).
    Raises ValueError at once (not at the first batch) if the sizes are too small.
    """
    if num_train < len(BATCH_FILES) or num_test < 1:
        raise ValueError(
            f"need num_train >= {len(BATCH_FILES)} and num_test >= 1, "
            f"got num_train={num_train}, num_test={num_test}"
        )
    return _batches(seed, num_train, num_test)


def _batches(seed, num_train, num_test):
    # One independent stream for the labels and one per file.
    root = np.random.SeedSequence([GENERATOR_VERSION, seed, num_train, num_test])
    label_seq, *file_seqs = root.spawn(1 + len(BATCH_FILES) + 1)
    label_rng = np.random.default_rng(label_seq)
    train_labels = _balanced_labels(label_rng, num_train)
    test_labels = _balanced_labels(label_rng, num_test)
    bounds = np.linspace(0, num_train, len(BATCH_FILES) + 1).round().astype(int)
    parts = [
        (name, f"training batch {i + 1} of {len(BATCH_FILES)}", train_labels[lo:hi], lo)
        for i, (name, lo, hi) in enumerate(zip(BATCH_FILES, bounds[:-1], bounds[1:], strict=True))
    ]
    parts.append((TEST_FILE, "testing batch 1 of 1", test_labels, 0))
    for (name, batch_label, labels, first), seq in zip(parts, file_seqs, strict=True):
        rng = np.random.default_rng(seq)
        data = np.empty((len(labels), 3 * _SIZE * _SIZE), dtype=np.uint8)
        for lo in range(0, len(labels), _CHUNK):
            data[lo : lo + _CHUNK] = _render(labels[lo : lo + _CHUNK], rng)
        yield name, _batch_dict(batch_label, labels, data, first)
    meta = {
        b"num_cases_per_batch": int(bounds[1]),
        b"label_names": [c.encode() for c in CLASS_NAMES],
        b"num_vis": 3 * _SIZE * _SIZE,
    }
    yield META_FILE, meta


# Python 2 pickles. Python 3's pickle cannot write a Python 2 str: with protocol 2 it
# writes bytes as a call _codecs.encode(text, 'latin1'), which loads as bytes whatever
# the encoding, so CS231n's datadict['data'] would fail. The few opcodes that CIFAR-10's
# files use are therefore written here, as Python 2's cPickle wrote them (without its
# memo entries, which a loader needs only for objects stored twice).


def _py2_int(value):
    """Return the opcode of a Python 2 int: 1, 2 or 4 bytes (the last signed)."""
    if 0 <= value < 1 << 8:
        return pickle.BININT1 + struct.pack("<B", value)
    if 0 <= value < 1 << 16:
        return pickle.BININT2 + struct.pack("<H", value)
    if -(1 << 31) <= value < 1 << 31:
        return pickle.BININT + struct.pack("<i", value)
    raise ValueError(f"{value} does not fit the 4-byte int of a Python 2 pickle")


def _py2_str_header(size):
    """Return the opcode and length that precede a Python 2 str of `size` bytes."""
    if size < 1 << 8:
        return pickle.SHORT_BINSTRING + struct.pack("<B", size)
    return pickle.BINSTRING + struct.pack("<i", size)


def _py2_tuple(*items):
    """Return the opcodes of a tuple of already pickled items."""
    if 1 <= len(items) <= 3:
        return b"".join(items) + (pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3)[len(items) - 1]
    return pickle.MARK + b"".join(items) + pickle.TUPLE


def _py2_str(value):
    """Return the opcodes of a Python 2 str holding the bytes `value`."""
    return _py2_str_header(len(value)) + value


# NumPy's dtype('uint8') as pickled under Python 2: dtype('u1', 0, 1), then BUILD with
# its state (version 3, byte order '|', no sub-array, names or fields, sizes -1, flags 0).
_PY2_UINT8_DTYPE = (
    pickle.GLOBAL
    + b"numpy\ndtype\n"
    + _py2_tuple(_py2_str(b"u1"), _py2_int(0), _py2_int(1))
    + pickle.REDUCE
    + _py2_tuple(_py2_int(3), _py2_str(b"|"), *[pickle.NONE] * 3, *map(_py2_int, (-1, -1, 0)))
    + pickle.BUILD
)


def _write_py2_array(a, f):
    """Write a uint8 array as NumPy under Python 2 pickled one.

    An empty array numpy.core.multiarray._reconstruct(ndarray, (0,), 'b'), then BUILD
    with the state (1, shape, dtype, False, raw bytes), False saying C order. NumPy 2
    still reads numpy.core in pickles.
    """
    a = np.ascontiguousarray(a)
    f.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
    ndarray = pickle.GLOBAL + b"numpy\nndarray\n"
    f.write(_py2_tuple(ndarray, _py2_tuple(_py2_int(0)), _py2_str(b"b")) + pickle.REDUCE)
    shape = _py2_tuple(*map(_py2_int, a.shape))
    f.write(pickle.MARK + _py2_int(1) + shape + _PY2_UINT8_DTYPE + pickle.NEWFALSE)
    f.write(_py2_str_header(a.nbytes))
    f.write(a.data)  # the rows as stored, without a copy
    f.write(pickle.TUPLE + pickle.BUILD)


def _write_py2(obj, f):
    """Write obj, made of dicts, lists, bytes (Python 2 str), ints and uint8 arrays."""
    if type(obj) is bytes:
        f.write(_py2_str(obj))
    elif type(obj) is int:
        f.write(_py2_int(obj))
    elif type(obj) is list:
        f.write(pickle.EMPTY_LIST)
        for lo in range(0, len(obj), 1000):  # Python 2 appends 1000 items at a time
            f.write(pickle.MARK)
            for item in obj[lo : lo + 1000]:
                _write_py2(item, f)
            f.write(pickle.APPENDS)
    elif type(obj) is dict:
        f.write(pickle.EMPTY_DICT + pickle.MARK)  # CIFAR-10's dicts have a few keys: one batch
        for key, value in obj.items():
            _write_py2(key, f)
            _write_py2(value, f)
        f.write(pickle.SETITEMS)
    elif isinstance(obj, np.ndarray) and obj.dtype == np.uint8:
        _write_py2_array(obj, f)
    else:
        raise TypeError(f"cannot write a {type(obj).__name__} as CIFAR-10's files hold")


def dump_python2(obj, f):
    """Pickle obj into the binary file f as Python 2 did with protocol 2, CIFAR-10's format.

    Inputs:
    - obj: a dict or list made of dicts, lists, bytes, ints and uint8 arrays
    - f: a file open for writing in binary mode

    bytes are written as Python 2 str: pickle.load(f, encoding='latin1') returns them
    as str, encoding='bytes' as bytes. Raises TypeError on any other type.
    """
    f.write(pickle.PROTO + struct.pack("<B", PICKLE_PROTOCOL))
    _write_py2(obj, f)
    f.write(pickle.STOP)


def make_synthetic_cifar10(root, seed=0, num_train=50000, num_test=10000):
    """Generate the synthetic dataset into the folder `root`, which must not exist yet.

    The files are written into a temporary folder beside `root`, which is renamed to
    `root` only once complete, so an interrupted run never leaves a folder that looks
    valid. If `root` exists, or another process creates it meanwhile, FileExistsError
    is raised and that folder is left as it is.

    Inputs:
    - root: the folder to create, e.g. "datasets/synthetic-10-batches-py"
    - seed, num_train, num_test: as for `synthetic_batches`

    Returns root.
    """
    if os.path.lexists(root):
        raise FileExistsError(f"{root} already exists; delete it first to generate it again")
    batches = synthetic_batches(seed, num_train, num_test)  # checks the sizes first
    parent = os.path.dirname(os.path.abspath(root))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(root)}.partial-", dir=parent)
    try:
        for name, batch in batches:
            with open(os.path.join(tmp, name), "wb") as f:
                dump_python2(batch, f)
        stamp = {
            "generator": "cs231n.synthetic",
            "version": GENERATOR_VERSION,
            "format": FORMAT_VERSION,
            "seed": seed,
            "num_train": num_train,
            "num_test": num_test,
        }
        with open(os.path.join(tmp, STAMP_FILE), "w") as f:
            json.dump(stamp, f, indent=1)
        try:
            os.rename(tmp, root)  # atomic; fails if root appeared meanwhile (unless empty)
        except OSError:
            if os.path.lexists(root):
                raise FileExistsError(f"{root} was created by another process meanwhile") from None
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # nothing left once renamed
    return root

"""fast.py computes what network.py computes: the naive and the fast version, checked equal."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from scratchnn import fast, network, training

# Both ways of computing W1 X and dZ1 X^T, tested directly in every runtime (CPython, Pyodide),
# whichever of them fast.product is here.
VARIANTS = [fast.product_by_matmul, fast.product_by_einsum, fast.product_skipping_zeros, fast.product_without_blas]
PRODUCT_NAMES = ["matmul", "einsum", "skipping", "without_blas"]
PRODUCTS = pytest.mark.parametrize("times", VARIANTS, ids=PRODUCT_NAMES)


def example(hidden: int, m: int, dtype: str, seed: int = 0, blank: bool = False):
    """Parameters, a batch X and labels Y; ``blank``: a third of the pixels 0 in every image, as in MNIST."""
    rng = np.random.default_rng(seed)
    params = network.init_params(hidden, init="he", dtype=dtype, seed=seed)
    params["b1"] += rng.normal(0, 0.1, params["b1"].shape).astype(dtype)  # non-zero biases
    params["b2"] += rng.normal(0, 0.1, params["b2"].shape).astype(dtype)
    X = rng.random((784, m)).astype(dtype)
    if blank:
        X[rng.random(784) < 1 / 3] = 0
    Y = rng.integers(0, 10, m)
    return params, X, Y


def test_the_product_is_einsum_exactly_where_numpy_has_no_blas():
    """CPython's NumPy (OpenBLAS) multiplies with matmul; Pyodide's (no BLAS) with einsum."""
    assert fast.BLAS is (sys.platform != "emscripten")
    assert fast.product is (fast.product_by_matmul if fast.BLAS else fast.product_without_blas)


@PRODUCTS
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("shape", "out"), [((1, 1, 1), False), ((10, 784, 7), True), ((64, 784, 128), True)])
def test_both_products_are_a_times_b(times, dtype, shape, out):
    rng = np.random.default_rng(1)
    A = rng.standard_normal(shape[:2]).astype(dtype)
    B = np.asfortranarray(rng.standard_normal(shape[1:]).astype(dtype))  # as X[:, columns] gives it
    target = np.empty((shape[0], shape[2]), dtype) if out else None
    got = times(A, B, target)
    assert got.dtype == np.dtype(dtype) and got.shape == (shape[0], shape[2])
    assert target is None or got is target
    # the classic bound for a sum of n products in floating point: |error| <= n eps (|A| |B|)
    bound = shape[1] * np.finfo(dtype).eps * (np.abs(A).astype(np.float64) @ np.abs(B))
    assert np.all(np.abs(got - A.astype(np.float64) @ B) <= bound)
    np.testing.assert_allclose(times(A, B.T.T, None), got, rtol=0, atol=0)  # X^T of a view: the same numbers


def within_the_rounding_bound(got: np.ndarray, A: np.ndarray, B: np.ndarray) -> bool:
    """|A B - exact| <= n eps (|A| |B|), with the exact product in float64."""
    exact, bound = (
        A.astype(np.float64) @ B,
        A.shape[1] * np.finfo(A.dtype).eps * (np.abs(A).astype(np.float64) @ np.abs(B)),
    )
    return bool(np.all(np.abs(got - exact) <= bound))


@PRODUCTS
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "hidden", [8, 64]
)  # without_blas skips the zeros from 2 M multiply-adds: 64 x 784 x 64 = 3.2 M
def test_zero_rows_and_columns_of_b_as_in_a_batch_of_digits(times, dtype, hidden):
    """B with whole rows of zeros (pixels blank in every image) and columns of zeros (a blank image), as X
    (W1 X) and as the transposed view X^T (dZ1 X^T): every variant gives the product, exact zeros included."""
    rng = np.random.default_rng(2)
    X = rng.random((784, 64)).astype(dtype)
    X[rng.random(784) < 0.35] = 0  # about a third of the pixels blank everywhere
    X[:, [3, 40]] = 0  # two blank images
    X[X < 0.5] = 0  # and zeros scattered inside
    X = np.asfortranarray(X)
    W1 = rng.standard_normal((hidden, 784)).astype(dtype)
    dZ1 = rng.standard_normal((hidden, 64)).astype(dtype)
    for A, B in ((W1, X), (dZ1, X.T)):
        for out in (None, np.full((A.shape[0], B.shape[1]), np.nan, dtype)):
            got = times(A, B, out)
            assert got.dtype == np.dtype(dtype) and got.shape == (A.shape[0], B.shape[1])
            assert out is None or got is out
            assert within_the_rounding_bound(got, A, B)
            zero_rows = ~X.any(axis=1)
            if B is X:
                assert np.all(got[:, [3, 40]] == 0)  # a blank image: a zero column, exactly
            else:
                assert np.all(got[:, zero_rows] == 0)  # a pixel blank everywhere: a zero gradient, exactly


@PRODUCTS
def test_a_b_of_zeros_gives_zeros(times):
    A = np.ones((70, 784), np.float32)
    for B in (np.zeros((784, 64), np.float32), np.zeros((784, 1), np.float32)):
        got = times(A, B, np.full((70, B.shape[1]), np.nan, np.float32))
        assert got.shape == (70, B.shape[1]) and np.all(got == 0)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "uint8"])
def test_nonzero_rows_and_columns_are_those_of_any(dtype):
    """The bitwise search finds exactly the rows and columns that B.any() finds, for every layout."""
    rng = np.random.default_rng(4)
    B = (rng.random((40, 30)) * 3).astype(dtype)  # about a third of the numbers are 0
    B[[2, 7, 8]] = 0
    B[:, [0, 29]] = 0
    for view in (B, B.T, np.asfortranarray(B), B[::2, 1::3], B[5:, :]):
        rows, cols = fast.nonzero_rows_and_columns(view)
        assert rows.tolist() == np.flatnonzero(view.any(axis=1)).tolist()
        assert cols.tolist() == np.flatnonzero(view.any(axis=0)).tolist()


def test_a_row_of_negative_zeros_is_kept_and_the_product_is_still_right():
    """-0.0 has a bit set (the sign): its row is not skipped, which costs time, never correctness."""
    A = np.ones((2, 3))
    B = np.array([[1.0, 2.0], [-0.0, -0.0], [0.0, 0.0]])
    rows, cols = fast.nonzero_rows_and_columns(B)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    assert fast.product_skipping_zeros(A, B).tolist() == [[1.0, 2.0], [1.0, 2.0]]


def test_the_dot_product_layout_copies_only_what_is_not_in_it():
    """A comes back with contiguous rows, B with contiguous columns; an operand already so is not copied."""
    A, B = np.ones((4, 5)), np.asfortranarray(np.ones((5, 3)))
    same_A, same_B = fast.dot_product_layout(A, B)
    assert same_A is A and same_B is B
    rows = np.array([0, 2, 3])
    A2, B2 = fast.dot_product_layout(A[:, rows], B.T[:, rows].T)  # indexing: A F-ordered, B C-ordered
    assert A2.flags.c_contiguous and B2.flags.f_contiguous
    np.testing.assert_array_equal(A2 @ B2, A[:, rows] @ B[rows])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("hidden", "m"), [(1, 1), (10, 7), (64, 128)])
def test_forward_with_matmul_is_bit_identical(hidden, m, dtype):
    params, X, _Y = example(hidden, m, dtype)
    plain = network.forward(params, X)
    for workspace in (None, {}):
        quick = fast.forward(params, X, workspace, fast.product_by_matmul)
        for name in plain._fields:
            np.testing.assert_array_equal(getattr(quick, name), getattr(plain, name), err_msg=name)
            assert getattr(quick, name).dtype == np.dtype(dtype)


@pytest.mark.parametrize("times", VARIANTS[1:], ids=PRODUCT_NAMES[1:])
@pytest.mark.parametrize(("dtype", "tolerance"), [("float64", 1e-12), ("float32", 1e-5)])
@pytest.mark.parametrize(("hidden", "m"), [(1, 1), (10, 7), (64, 128)])
def test_forward_with_einsum_equals_the_plain_one_to_rounding(times, hidden, m, dtype, tolerance):
    """einsum adds the same 784 products per entry of W1 X in another order (and skipping them, without
    the zero ones): the last bits may differ."""
    params, X, _Y = example(hidden, m, dtype, blank=True)
    plain = network.forward(params, X)
    for workspace in (None, {}):
        quick = fast.forward(params, X, workspace, times)
        for name in plain._fields:
            value, expected = getattr(quick, name), getattr(plain, name)
            assert value.dtype == np.dtype(dtype)
            scale = np.abs(expected).max() or 1.0
            np.testing.assert_allclose(value, expected, rtol=0, atol=tolerance * scale, err_msg=name)


@PRODUCTS
@pytest.mark.parametrize(("hidden", "m"), [(1, 1), (10, 7), (64, 128), (128, 500)])
def test_backward_equals_the_plain_gradients_to_1e_12_in_float64(times, hidden, m):
    params, X, Y = example(hidden, m, "float64", seed=hidden, blank=True)
    plain = network.backward(params, X, Y, network.forward(params, X))
    workspace: fast.Workspace = {}
    quick = fast.backward(params, X, Y, fast.forward(params, X, workspace, times), workspace, times)
    for name in ("W1", "b1", "W2", "b2"):
        scale = np.abs(plain[name]).max() or 1.0
        np.testing.assert_allclose(quick[name], plain[name], rtol=0, atol=1e-12 * scale, err_msg=name)
        assert quick[name].shape == params[name].shape


@pytest.mark.parametrize(
    ("times", "tolerance"), zip(VARIANTS, [1e-7, 1e-6, 1e-6, 1e-6], strict=True), ids=PRODUCT_NAMES
)
def test_float32_gradients_agree_to_float32_rounding(times, tolerance):
    """einsum sums dW1's 64 terms in another order than matmul: float32 rounding (eps 6e-8) times a few."""
    params, X, Y = example(32, 64, "float32", seed=3, blank=True)
    plain = network.backward(params, X, Y, network.forward(params, X))
    quick = fast.backward(params, X, Y, fast.forward(params, X, None, times), None, times)
    for name in plain:
        assert quick[name].dtype == np.float32
        np.testing.assert_allclose(quick[name], plain[name], rtol=1e-5, atol=tolerance * np.abs(plain[name]).max())


def test_the_workspace_is_reused_and_survives_a_change_of_shape():
    params, X, Y = example(16, 32, "float64")
    workspace: fast.Workspace = {}
    first = fast.forward(params, X, workspace)
    fast.backward(params, X, Y, first, workspace)
    arrays = {name: workspace[name] for name in ("Z1", "A1", "dZ1", "ReLU'(Z1)")}
    second = fast.forward(params, X[:, ::-1].copy(), workspace)
    assert second.Z1 is arrays["Z1"] and second.A1 is arrays["A1"]  # the same memory, new values
    smaller = fast.forward(params, X[:, :5], workspace)  # another batch size: new arrays
    assert smaller.Z1.shape == (16, 5)
    np.testing.assert_array_equal(smaller.A2, network.forward(params, X[:, :5]).A2)


def test_a_training_step_equals_the_plain_update_by_hand():
    """gradient_step (fast.py, in place) = V := mu V - alpha dW; W := W + V with network.py's dW."""
    params, X, Y = example(20, 50, "float64", seed=7)
    velocity = {name: np.full_like(P, 0.01) for name, P in params.items()}
    grads = network.backward(params, X, Y, network.forward(params, X))
    expected_V = {name: 0.9 * velocity[name] - 0.3 * grads[name] for name in params}
    expected_W = {name: params[name] + expected_V[name] for name in params}
    training.gradient_step(params, velocity, X, Y, lr=0.3, momentum=0.9, workspace={})
    for name in params:
        np.testing.assert_allclose(velocity[name], expected_V[name], rtol=0, atol=1e-12)
        np.testing.assert_allclose(params[name], expected_W[name], rtol=0, atol=1e-12)


@PRODUCTS
def test_training_with_either_product_reaches_the_same_weights(times, monkeypatch):
    """training.py with fast.product set to each variant: 2 epochs of 40 steps land on the weights of
    the plain math (network.py's forward and backward in the same loop) up to float64 rounding."""
    params, X, Y = example(24, 400, "float64", seed=5, blank=True)
    runs = {}
    for name, (forward, backward) in {
        "plain": (
            lambda p, X, ws=None: network.forward(p, X),
            lambda p, X, Y, c, ws=None: network.backward(p, X, Y, c),
        ),
        "fast": (fast.forward, fast.backward),
    }.items():
        trained = {key: P.copy() for key, P in params.items()}
        with monkeypatch.context() as patch:
            patch.setattr(fast, "product", times)
            patch.setattr(training.fast, "forward", forward)
            patch.setattr(training.fast, "backward", backward)
            for _ in training.training_steps(trained, X, Y, epochs=2, lr=0.1, batch_size=20, momentum=0.9):
                pass
        runs[name] = trained
    for key in params:
        assert not np.allclose(runs["fast"][key], params[key])  # it trained
        np.testing.assert_allclose(runs["fast"][key], runs["plain"][key], rtol=0, atol=1e-10, err_msg=key)

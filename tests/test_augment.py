"""augment.py: warps, elastic fields, morphology and the random Augment, on synthetic and real digits."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import augment, network, training
from scratchnn.augment import Augment, dilate, elastic_field, erode, inverse_affine, warp

STRONG = Augment(rotate=20, scale=0.2, shear=0.3, shift=4, alpha=34, sigma=4, stroke=0.3)


def blob(b: int = 3, rng: np.random.Generator | None = None) -> np.ndarray:
    """b images (784, b) each holding a random bright rectangle well inside the frame."""
    rng = rng or np.random.default_rng(0)
    images = np.zeros((b, 28, 28), dtype=np.float32)
    for k in range(b):
        y, x = rng.integers(8, 14, 2)
        images[k, y : y + rng.integers(4, 8), x : x + rng.integers(4, 8)] = rng.uniform(0.5, 1.0)
    return augment.as_columns(images).copy()


def centre_of_mass(X: np.ndarray) -> np.ndarray:
    """(b, 2): the (x, y) intensity-weighted centre of each image."""
    images = augment.as_images(X)
    ys, xs = np.mgrid[0:28, 0:28]
    mass = images.sum(axis=(1, 2))
    return np.stack([(images * xs).sum(axis=(1, 2)) / mass, (images * ys).sum(axis=(1, 2)) / mass], axis=1)


def test_columns_and_images_are_the_mnist_row_major_layout():
    X = np.arange(784 * 2, dtype=np.float32).reshape(2, 784).T  # column k = image k
    images = augment.as_images(X)
    assert images.shape == (2, 28, 28)
    assert images[1, 3, 5] == X[3 * 28 + 5, 1]  # (row y, column x) is entry 28 y + x
    assert np.array_equal(augment.as_columns(images), X)
    with pytest.raises(ValueError, match="784"):
        augment.as_images(np.zeros((28, 28)))


def test_the_identity_warp_returns_the_image_exactly(mnist_data):
    X = mnist_data.X_test[:, :300]
    assert np.array_equal(warp(X), X)
    identity = inverse_affine(np.zeros(300), np.ones(300), np.zeros(300))
    assert np.array_equal(warp(X, identity, np.zeros((300, 2)), np.zeros((2, 300, 784), np.float32)), X)
    assert np.array_equal(Augment()(X, np.random.default_rng(0)), X)  # all ranges 0: no change


@pytest.mark.parametrize("shift", [(3.0, 0.0), (0.0, -2.0), (-4.0, 4.0), (1.5, 2.25)])
def test_a_translation_moves_the_centre_of_mass_by_the_shift(shift):
    X = blob(5)
    moved = warp(X, shift=np.array(shift))
    assert np.allclose(centre_of_mass(moved) - centre_of_mass(X), shift, atol=1e-4)
    assert moved.sum() == pytest.approx(X.sum(), rel=1e-5)  # nothing fell off the edge, nothing made up


def test_a_whole_pixel_shift_is_an_exact_copy_of_the_pixels():
    X = blob(4)
    moved = augment.as_images(warp(X, shift=(2, -3)))
    original = augment.as_images(X)
    # t = (2, -3): output (y, x) reads input (y + 3, x - 2); the uncovered strips are 0.
    assert np.array_equal(moved[:, :25, 2:], original[:, 3:, :26])
    assert not moved[:, 25:, :].any() and not moved[:, :, :2].any()


def test_per_image_parameters_go_to_their_own_image():
    X = np.repeat(blob(1), 3, axis=1)
    moved = warp(X, shift=np.array([[0, 0], [2, 0], [0, 3]]))
    assert np.allclose(centre_of_mass(moved) - centre_of_mass(X), [[0, 0], [2, 0], [0, 3]], atol=1e-4)


def test_rotation_by_90_degrees_is_the_exact_pixel_rotation_clockwise():
    X = blob(3)
    rotated = warp(X, inverse_affine(np.full(3, 90.0), np.ones(3), np.zeros(3)))
    # On screen (y down), clockwise by 90: the output's row y, column x shows input row 27-x, column y.
    expected = np.rot90(augment.as_images(X), k=-1, axes=(1, 2))
    assert np.allclose(augment.as_images(rotated), expected, atol=1e-5)


def test_scaling_keeps_the_centre_and_scales_the_spread():
    images = np.zeros((1, 28, 28), dtype=np.float32)
    images[0, 13:15, 8:10] = images[0, 13:15, 18:20] = 1  # two dots, symmetric about the centre
    X = augment.as_columns(images).copy()
    big = warp(X, inverse_affine(np.zeros(1), np.full(1, 1.5), np.zeros(1)))
    assert np.allclose(centre_of_mass(big), centre_of_mass(X), atol=1e-4)
    xs = np.arange(28)
    spread = lambda Z: np.sqrt((augment.as_images(Z)[0].sum(0) * (xs - 13.5) ** 2).sum() / Z.sum())  # noqa: E731
    assert spread(big) == pytest.approx(1.5 * spread(X), rel=0.05)


def test_inverse_affine_inverts_rotation_shear_and_scale():
    rng = np.random.default_rng(3)
    theta, k, h = rng.uniform(-30, 30, 8), rng.uniform(0.7, 1.3, 8), rng.uniform(-0.4, 0.4, 8)
    A = inverse_affine(theta, k, h)
    for i in range(8):
        c, s = np.cos(np.deg2rad(theta[i])), np.sin(np.deg2rad(theta[i]))
        M = np.array([[c, -s], [s, c]]) @ np.array([[1, h[i]], [0, 1]]) @ np.diag([k[i], k[i]])
        assert np.allclose(A[i] @ M, np.eye(2))


def test_outside_the_image_reads_as_zero():
    X = np.ones((784, 1), dtype=np.float32)
    moved = augment.as_images(warp(X, shift=(5, 0)))[0]
    assert np.all(moved[:, :5] == 0) and np.all(moved[:, 5:] == 1)
    half = augment.as_images(warp(X, shift=(0.5, 0)))[0]
    assert np.allclose(half[:, 0], 0.5) and np.all(half[:, 1:] == 1)  # bilinear at the border


def test_output_stays_in_0_1_and_keeps_shape_and_dtype(mnist_data):
    X = mnist_data.X_train[:, :1000]
    out = STRONG(X, np.random.default_rng(0))
    assert out.shape == X.shape and out.dtype == X.dtype
    assert out.min() >= 0 and out.max() <= 1
    assert np.all(np.isfinite(out))
    assert not np.array_equal(out, X)
    out64 = STRONG(X.astype(np.float64), np.random.default_rng(0))
    assert out64.dtype == np.float64 and np.allclose(out64, out, atol=1e-6)


def test_the_input_batch_is_not_modified(mnist_data):
    X = mnist_data.X_train[:, :200].copy()
    before = X.copy()
    STRONG(X, np.random.default_rng(0))
    assert np.array_equal(X, before)


def test_the_same_seed_gives_the_same_batch_and_another_seed_another(mnist_data):
    X = mnist_data.X_train[:, :256]
    first = STRONG(X, np.random.default_rng(7))
    again = STRONG(X, np.random.default_rng(7))
    other = STRONG(X, np.random.default_rng(8))
    assert np.array_equal(first, again)
    assert not np.allclose(first, other)


def test_images_get_different_transforms():
    X = np.repeat(blob(1), 64, axis=1)
    out = Augment(shift=3)(X, np.random.default_rng(0))
    assert len({tuple(np.round(c, 3)) for c in centre_of_mass(out)}) == 64


def test_a_shift_range_bounds_the_centre_of_mass_movement():
    X = np.repeat(blob(1), 500, axis=1)
    moved = centre_of_mass(Augment(shift=2)(X, np.random.default_rng(1))) - centre_of_mass(X)
    assert np.all(np.abs(moved) <= 2 + 1e-4)
    assert np.abs(moved).max() > 1.8  # the range is used, up to its edge
    assert abs(moved.mean()) < 0.2  # and symmetric


def test_chunked_and_whole_batches_agree(mnist_data):
    X = mnist_data.X_test[:, : 3 * augment.CHUNK + 5]
    rng = np.random.default_rng(0)
    b = X.shape[1]
    A = inverse_affine(rng.uniform(-20, 20, b), rng.uniform(0.8, 1.2, b), rng.uniform(-0.3, 0.3, b))
    shift = rng.uniform(-3, 3, (b, 2))
    whole = warp(X, A, shift)
    one_by_one = np.concatenate([warp(X[:, [k]], A[k], shift[k]) for k in range(0, b, 37)], axis=1)
    assert np.array_equal(whole[:, ::37], one_by_one)


def test_warp_rejects_a_displacement_of_the_wrong_shape():
    with pytest.raises(ValueError, match="displacement"):
        warp(blob(2), displacement=np.zeros((2, 3, 784), np.float32))


def test_the_gaussian_matrix_smooths_and_preserves_a_constant_inside():
    G = augment.gaussian_matrix(2.0)
    assert np.allclose(G, G.T)
    assert np.allclose(G.sum(axis=1)[10:18], 1, atol=1e-5)  # far from the border: a normalised kernel
    assert G.sum(axis=1)[0] < 0.75  # at the border, the outside counts as 0
    assert np.all(G[0, 9:] == 0)  # truncated at 4 sigma
    with pytest.raises(ValueError):
        augment.gaussian_matrix(0)


def test_the_fast_elastic_field_has_the_statistics_of_smoothed_noise():
    """Drawn in the eigenbasis, the field must match alpha G U G^T computed directly."""
    alpha, sigma, n = 10.0, 4.0, 4000
    fast = elastic_field(n, np.random.default_rng(0), alpha, sigma)
    assert fast.shape == (2, n, 784) and fast.dtype == np.float32
    G = augment.gaussian_matrix(sigma)
    U = np.random.default_rng(1).uniform(-1, 1, (n, 28, 28)).astype(np.float32)
    direct = (alpha * G @ U @ G.T).reshape(n, 784)
    assert np.allclose(fast[0].std(axis=0), direct.std(axis=0), rtol=0.06)  # per pixel: larger in the middle
    assert np.allclose(fast[1].std(axis=0), direct.std(axis=0), rtol=0.06)
    assert abs(fast.mean()) < 0.02 * direct.std()
    # Smoothness: neighbouring displacements are as correlated as the direct ones.
    corr = lambda F: np.corrcoef(F[:, 13 * 28 + 13], F[:, 13 * 28 + 17])[0, 1]  # noqa: E731
    assert corr(fast[0]) == pytest.approx(corr(direct), abs=0.03)
    assert np.corrcoef(fast[0, :, 400], fast[1, :, 400])[0, 1] == pytest.approx(0, abs=0.05)  # x, y independent


def test_elastic_distortion_moves_pixels_by_about_alpha_times_the_smoothed_noise(mnist_data):
    X = mnist_data.X_test[:, :200]
    mild = Augment(alpha=2, sigma=4)(X, np.random.default_rng(0))
    strong = Augment(alpha=34, sigma=4)(X, np.random.default_rng(0))
    assert 0 < np.abs(mild - X).mean() < np.abs(strong - X).mean()


def test_dilation_thickens_and_erosion_thins():
    images = np.zeros((1, 28, 28), dtype=np.float32)
    images[0, 10:18, 13:15] = 1  # a vertical bar 2 px wide
    X = augment.as_columns(images).copy()
    thick, thin = augment.as_images(dilate(X))[0], augment.as_images(erode(X))[0]
    assert thick[10:18, 12:16].min() == 1 and thick[9, 13] == 1 and thick[9, 12] == 0  # a cross, not a square
    assert thick.sum() == 8 * 4 + 2 * 2
    assert thin.sum() == 0  # a 2 px bar has no pixel whose 4 neighbours are all ink
    assert augment.as_images(dilate(X, steps=2))[0].sum() > thick.sum()
    assert np.array_equal(dilate(X, steps=0), X)
    assert np.all(dilate(X) >= X) and np.all(erode(X) <= X)


def test_erosion_undoes_dilation_on_a_solid_square():
    images = np.zeros((1, 28, 28), dtype=np.float32)
    images[0, 8:20, 8:20] = 1
    X = augment.as_columns(images).copy()
    assert np.array_equal(erode(dilate(X)), X)  # closing a convex square changes nothing


def test_stroke_variation_changes_ink_in_both_directions(mnist_data):
    X = mnist_data.X_test[:, :500]
    out = Augment(stroke=0.5)(X, np.random.default_rng(0))
    change = out.sum(axis=0) - X.sum(axis=0)
    assert (change > 0).sum() > 100 and (change < 0).sum() > 100
    assert out.min() >= 0 and out.max() <= 1


def test_settings_are_validated_and_round_trip():
    with pytest.raises(ValueError, match="rotate"):
        Augment(rotate=-1)
    with pytest.raises(ValueError, match="scale"):
        Augment(scale=1.0)
    with pytest.raises(ValueError, match="stroke"):
        Augment(stroke=0.8)
    with pytest.raises(ValueError, match="sigma"):
        Augment(sigma=0)
    with pytest.raises(ValueError, match="unknown augment settings"):
        Augment.from_dict({"rotation": 10})
    assert Augment.from_dict(None) is None and Augment.from_dict({}) is None
    settings = dict(rotate=10.0, scale=0.1, shear=0.2, shift=2.0, alpha=8.0, sigma=3.0, stroke=0.1)
    assert Augment.from_dict(settings).to_dict() == settings


def test_training_with_augmentation_leaves_the_labels_alone_and_learns(mnist_data):
    X, Y = mnist_data.X_train[:, :3000], mnist_data.Y_train[:3000]
    Y_before = Y.copy()
    seen = []

    def spy(X_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = Augment(rotate=10, shift=2, alpha=8, sigma=4)(X_batch, rng)
        seen.append(out.shape == X_batch.shape)
        return out

    params = network.init_params(64, "he", "float32", seed=0)
    training.train(params, X, Y, epochs=3, lr=0.1, batch_size=100, momentum=0.9, augment=spy)
    assert np.array_equal(Y, Y_before)
    assert len(seen) == 90 and all(seen)
    _, acc = training.evaluate(params, mnist_data.X_test[:, :2000], mnist_data.Y_test[:2000])
    assert acc > 0.85  # it learned the digits, not noise: the labels still match the warped images


def test_augmented_training_is_reproducible(mnist_data):
    X, Y = mnist_data.X_train[:, :1000], mnist_data.Y_train[:1000]
    results = []
    for _ in range(2):
        params = network.init_params(16, "he", "float32", seed=0)
        training.train(params, X, Y, epochs=1, lr=0.1, batch_size=100, momentum=0.9, augment=STRONG)
        results.append(params["W1"])
    assert np.array_equal(results[0], results[1])


def test_the_2x2_footprint_changes_the_width_by_one_pixel():
    images = np.zeros((1, 28, 28), dtype=np.float32)
    images[0, 10:18, 12:15] = 1  # a vertical bar 3 px wide
    X = augment.as_columns(images).copy()
    widths = lambda Z: (augment.as_images(Z)[0][13] > 0.5).sum()  # noqa: E731
    assert widths(dilate(X, footprint="2x2")) == 4 and widths(erode(X, footprint="2x2")) == 2
    assert widths(dilate(X)) == 5 and widths(erode(X)) == 1  # the cross: 2 px of width
    with pytest.raises(ValueError, match="footprint"):
        dilate(X, footprint="disk")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"shift": 1e300}, "shift must be at most 14"),
        ({"shift": 15}, "shift must be at most 14"),
        ({"alpha": 1e300}, "alpha must be at most 100"),
        ({"rotate": 181}, "rotate must be at most 180"),
        ({"shear": 3}, "shear must be at most 2"),
        ({"sigma": 1e9}, "sigma must be at most 28"),
    ],
)
def test_settings_that_leave_no_digit_to_read_are_refused(settings, message):
    """shift=1e300 used to train on blank images (9% accuracy, no word said); alpha=1e300 on NaNs."""
    with pytest.raises(ValueError, match=message):
        augment.Augment(**settings)


def test_the_limits_themselves_are_allowed():
    limits = {name: most for name, (most, _why) in augment.LIMITS.items()}
    assert augment.Augment(**limits).shift == 14

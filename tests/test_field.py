import numpy as np
import pytest

from toolkit.warp.field import (
    CoarseGrid,
    apply_affine,
    backward_displacement,
    barycentric_weights,
    fit_affine,
    invert_affine,
    upsample_map,
)


def rotation(angle, centre, scale=1.0):
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    linear = np.array([[c, -s], [s, c]])
    return np.hstack([linear, (np.asarray(centre) - linear @ centre)[:, None]])


def test_fit_affine_recovers_an_exact_affine_map():
    rng = np.random.default_rng(1)
    src = rng.uniform(0, 100, (20, 2))
    truth = np.array([[1.1, 0.2, 5.0], [-0.1, 0.9, -3.0]])
    assert np.allclose(fit_affine(src, apply_affine(truth, src)), truth)


@pytest.mark.parametrize("n", [1, 2])
def test_fit_affine_with_few_points_is_translation_or_similarity(n):
    src = np.array([[10.0, 10.0], [30.0, 10.0]])[:n]
    truth = rotation(0.3, (10.0, 10.0), 1.2) if n == 2 else np.array([[1, 0, 4.0], [0, 1, -2.0]])
    assert np.allclose(apply_affine(fit_affine(src, apply_affine(truth, src)), src), apply_affine(truth, src))


def test_invert_affine_composes_to_identity():
    a = rotation(0.7, (50, 20), 1.3)
    p = np.array([[3.0, 4.0], [100.0, -7.0]])
    assert np.allclose(apply_affine(invert_affine(a), apply_affine(a, p)), p)


def test_barycentric_weights_reproduce_linear_functions_inside_the_hull_and_vanish_outside():
    points = np.array([[0, 0], [10, 0], [0, 10], [10, 10], [5, 5]], float)
    samples = np.array([[2.0, 3.0], [7.5, 7.5], [20.0, 20.0]])
    weights = barycentric_weights(points, samples).toarray()
    assert np.allclose(weights[:2].sum(1), 1.0)
    values = 2 * points[:, 0] - points[:, 1]
    assert np.allclose(weights[:2] @ values, 2 * samples[:2, 0] - samples[:2, 1])
    assert np.all(weights[2] == 0)


def test_backward_displacement_inverts_a_rotation_exactly():
    grid = CoarseGrid.for_image(64, 48, step=4)
    forward = rotation(np.deg2rad(40), (32, 24))
    back = backward_displacement(forward, np.zeros((grid.rows, grid.cols, 2), np.float32), grid)
    nodes = grid.positions()
    assert np.allclose(apply_affine(forward, nodes + back), nodes, atol=1e-3)


def test_backward_displacement_inverts_a_smooth_residual_by_iteration():
    grid = CoarseGrid.for_image(96, 96, step=4)
    nodes = grid.positions()
    residual = np.zeros_like(nodes)
    residual[..., 0] = 3.0 * np.sin(nodes[..., 1] / 15.0)
    translate = np.array([[1, 0, 12.0], [0, 1, -5.0]])
    back = backward_displacement(translate, residual.astype(np.float32), grid, iterations=8)
    source = nodes + back
    # forward-map the found source points: they must land on the nodes (away from the border)
    r = 3.0 * np.sin(source[..., 1] / 15.0)
    landed = apply_affine(translate, source) + np.stack([r, np.zeros_like(r)], -1)
    inner = (slice(4, -4), slice(8, -8))
    assert np.abs(landed - nodes)[inner].max() < 0.3


def test_upsample_map_is_identity_for_zero_displacement_and_crops_to_the_box():
    grid = CoarseGrid.for_image(40, 30, step=8)
    map_x, map_y = upsample_map(np.zeros((grid.rows, grid.cols, 2), np.float32), grid, (5, 6, 25, 16))
    assert map_x.shape == (10, 20)
    assert map_x[0, 0] == 5 and map_y[0, 0] == 6 and map_x[-1, -1] == 24 and map_y[-1, -1] == 15


def test_rasterized_mesh_map_inverts_each_triangle_exactly():
    from toolkit.warp.field import rasterize_backward_map

    rest = np.array([[10, 10], [50, 10], [10, 50], [50, 50]], float)
    triangles = np.array([[0, 1, 2], [1, 3, 2]])
    current = rest.copy()
    current[3] += (15, 5)  # pull one corner: two different affine pieces
    map_x, map_y, covered = rasterize_backward_map(rest, current, triangles, (0, 0, 80, 80))
    assert covered[30, 30] and not covered[5, 5] and not covered[70, 20]
    for tri in triangles:
        centre = current[tri].mean(0)
        x, y = int(round(centre[0])), int(round(centre[1]))
        # map the pixel back: it must be the same barycentric mix of the rest triangle
        a = np.linalg.solve(np.c_[current[tri], np.ones(3)].T, np.array([x, y, 1.0]))
        assert np.allclose([map_x[y, x], map_y[y, x]], a @ rest[tri], atol=1e-3)
    assert map_x[5, 5] == 5 and map_y[5, 5] == 5


def test_a_coarse_step_mesh_map_matches_the_exact_one_inside_triangles():
    from toolkit.warp.field import rasterize_backward_map

    rest = np.array([[10, 10], [70, 10], [10, 70], [70, 70]], float)
    triangles = np.array([[0, 1, 2], [1, 3, 2]])
    current = rest + np.array([[0, 0], [5, 2], [3, 4], [12, 9]])
    exact_x, exact_y, exact_cov = rasterize_backward_map(rest, current, triangles, (0, 0, 90, 90))
    coarse_x, coarse_y, coarse_cov = rasterize_backward_map(rest, current, triangles, (0, 0, 90, 90), step=2)
    inner = exact_cov.copy()
    inner[:20], inner[60:], inner[:, :20], inner[:, 60:] = False, False, False, False
    assert coarse_x.shape == exact_x.shape and (coarse_cov[inner]).all()
    assert np.abs(coarse_x - exact_x)[inner].max() < 1.0 and np.abs(coarse_y - exact_y)[inner].max() < 1.0


def test_each_triangles_inverse_map_takes_its_moved_corners_back_to_rest():
    from toolkit.warp.field import triangle_inverse_affines

    rng = np.random.default_rng(3)
    rest = rng.uniform(0, 100, (40, 2))
    current = rest @ np.array([[0.9, -0.3], [0.2, 1.1]]) + rng.normal(0, 4, (40, 2)) + (15, -7)
    triangles = np.array([[i, (i + 1) % 40, (i + 7) % 40] for i in range(40)] + [[3, 3, 5]])  # the last is collapsed
    maps = triangle_inverse_affines(rest, current, triangles)
    assert maps.shape == (41, 2, 3)
    for k, corners in enumerate(triangles[:-1]):
        moved = current[corners]
        back = moved @ maps[k, :, :2].T + maps[k, :, 2]
        assert np.allclose(back, rest[corners], atol=1e-6)
    assert not maps[-1].any()

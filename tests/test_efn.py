"""Energy Flow Network: IRC safety, permutation and batch invariance, its filters, the filter
properties on analytic images, the leading-filter ranking, the cached recipe and the figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from helpers.config import get_profile
from helpers.models import EFN, PFN, PackedInputs, count_parameters
from helpers.models.pfn import ParticleBatch
from helpers.plots.efn import filter_maps
from helpers.preprocessing import PackedParticles
from helpers.training.recipes import EFN_DEFAULTS, PFN_DEFAULTS, efn_config, train_efn
from helpers.xai.filters import FilterProperties, filter_grid, filter_properties, leading_filters

torch.set_num_threads(1)
#: float64: exact up to the rounding of a sum; float32 through PackedInputs
TOL64 = {"rtol": 0.0, "atol": 1e-12}
TOL32 = {"rtol": 0.0, "atol": 1e-6}
#: the analytic images' grid: 101 points on [-0.8, 0.8], step 0.016
AXIS = np.linspace(-0.8, 0.8, 101)
STEP = AXIS[1] - AXIS[0]


def toy_particles(n: int = 40, seed: int = 0) -> tuple[PackedParticles, np.ndarray]:
    """``n`` jets of 1-30 particles with ``z`` summing to one; label 1 jets are wider in angle."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 31, n)
    labels = (np.arange(n) % 2).astype(np.int8)
    width = np.repeat(np.where(labels == 1, 0.25, 0.06), counts)[:, None]
    z = rng.exponential(1.0, counts.sum())
    z /= np.repeat(np.add.reduceat(z, np.cumsum(counts) - counts), counts)
    angles = rng.normal(0.0, 1.0, (counts.sum(), 2)) * width
    features = np.column_stack([z, angles]).astype(np.float32)
    return PackedParticles(features, counts.astype(np.int64)), labels


def small(cls=EFN, seed: int = 0, dtype=torch.float64):
    torch.manual_seed(seed)
    return cls((16, 16, 8), (8,)).to(dtype).eval()


def run(model, jets: list[np.ndarray]) -> np.ndarray:
    """Logits of jets given as ``(m, 3)`` arrays of ``(z, deta, dphi)``, packed in the model's
    dtype (no float32 cast: float64 models are exact up to rounding)."""
    dtype = next(model.parameters()).dtype
    features = torch.as_tensor(np.concatenate(jets), dtype=dtype)
    index = torch.repeat_interleave(torch.arange(len(jets)), torch.tensor([len(j) for j in jets]))
    with torch.no_grad():
        return model(ParticleBatch(features, index, len(jets))).numpy()


def logits32(model, particles: PackedParticles, idx=None) -> np.ndarray:
    inputs = PackedInputs.from_packed(particles)
    idx = torch.arange(len(inputs)) if idx is None else torch.as_tensor(idx)
    with torch.no_grad():
        return model(inputs.batch(idx)).numpy()


def jets_of(p: PackedParticles) -> list[np.ndarray]:
    return [p.features[a:b].astype(np.float64) for a, b in zip(p.offsets[:-1], p.offsets[1:])]


def with_soft_particles(jets: list[np.ndarray], rng) -> list[np.ndarray]:
    """Each jet with three extra ``z = 0`` particles at arbitrary (even far-away) angles."""
    soft = [np.column_stack([np.zeros(3), rng.uniform(-3, 3, (3, 2))]) for _ in jets]
    return [np.concatenate([j[:1], s[:2], j[1:], s[2:]]) for j, s in zip(jets, soft)]


def with_collinear_splits(jets: list[np.ndarray], rng) -> list[np.ndarray]:
    """Each jet with every particle split in two at the same angles, ``z = a`` and ``z - a``."""
    out = []
    for j in jets:
        a = j[:, 0] * rng.uniform(0.05, 0.95, len(j))
        out.append(np.concatenate([np.column_stack([a, j[:, 1:]]),
                                   np.column_stack([j[:, 0] - a, j[:, 1:]])]))
    return out


def gaussian(center, sigma: float, axis: np.ndarray = AXIS) -> np.ndarray:
    deta, dphi = np.meshgrid(axis, axis, indexing="ij")
    return np.exp(-((deta - center[0]) ** 2 + (dphi - center[1]) ** 2) / (2 * sigma**2))


# -------------------------------------------------------------------------------- model
def test_architecture_is_the_pfn_with_two_inputs():
    # Phi's first layer has 2 inputs instead of 3: 100 weights fewer than the PFN
    assert count_parameters(EFN()) == count_parameters(PFN()) - 100
    model = EFN()
    assert model.latent_dim == 256 and model.phi[0].in_features == 2
    assert model.config() == {"arch": "EFN", "phi_sizes": [100, 100, 256], "f_sizes": [100, 100, 100]}
    assert isinstance(model.phi[-1], torch.nn.ReLU)  # ReLU after every Phi layer, as the PFN


def test_infrared_safety_a_zero_z_particle_changes_nothing():
    jets = jets_of(toy_particles()[0])
    soft = with_soft_particles(jets, np.random.default_rng(1))
    efn = small()
    with torch.no_grad():  # Phi of the soft particles' angles is not zero: only z = 0 hides it
        assert torch.any(efn.filters(torch.as_tensor(soft[0][1:3, 1:])) != 0)
    np.testing.assert_allclose(run(efn, soft), run(efn, jets), **TOL64)
    pfn = small(PFN)
    assert np.abs(run(pfn, soft) - run(pfn, jets)).min() > 1e-4  # the PFN sees every particle


def test_collinear_safety_a_split_particle_changes_nothing():
    jets = jets_of(toy_particles()[0])
    split = with_collinear_splits(jets, np.random.default_rng(2))
    np.testing.assert_allclose(run(small(), split), run(small(), jets), **TOL64)
    pfn = small(PFN)
    assert np.abs(run(pfn, split) - run(pfn, jets)).min() > 1e-4  # contrast: the test can fail


def test_irc_safety_through_packed_inputs_in_float32():
    p, _ = toy_particles()
    rng = np.random.default_rng(3)
    model = small(dtype=torch.float32)
    base = logits32(model, p)
    for variant in (with_soft_particles(jets_of(p), rng), with_collinear_splits(jets_of(p), rng)):
        q = PackedParticles(np.concatenate(variant).astype(np.float32),
                            np.array([len(j) for j in variant]))
        np.testing.assert_allclose(logits32(model, q), base, **TOL32)


def test_z_is_used_as_given_not_renormalised():
    jet = toy_particles()[0].features[:5].astype(np.float64)
    scaled = jet.copy()
    scaled[:, 0] *= 2
    efn = small()
    with torch.no_grad():
        lat = [efn.latent(ParticleBatch(torch.as_tensor(j), torch.zeros(5, dtype=torch.long), 1))
               for j in (jet, scaled)]
    np.testing.assert_allclose(lat[1].numpy(), 2 * lat[0].numpy(), **TOL64)


def test_permutation_invariance():
    p, _ = toy_particles()
    rng = np.random.default_rng(4)
    perm = np.concatenate([p.offsets[j] + rng.permutation(c) for j, c in enumerate(p.counts)])
    shuffled = PackedParticles(p.features[perm], p.counts)
    assert not np.array_equal(shuffled.features, p.features)
    model = small(dtype=torch.float32)
    np.testing.assert_allclose(logits32(model, shuffled), logits32(model, p), **TOL32)


def test_jets_in_a_batch_do_not_influence_each_other():
    p, _ = toy_particles()
    model = small(dtype=torch.float32)
    idx = [3, 0, 7, 7, 12, 39]
    together = logits32(model, p, idx)
    alone = np.array([logits32(model, p, [j])[0] for j in idx])
    np.testing.assert_allclose(together, alone, **TOL32)
    assert len(np.unique(np.round(alone, 6))) == 5  # different jets do give different outputs


# ------------------------------------------------------------------------------ filters
def test_filters_are_phi_on_the_given_points():
    model = small()
    angles = torch.as_tensor(np.random.default_rng(5).uniform(-1, 1, (17, 2)))
    with torch.no_grad():
        out = model.filters(angles)
        assert out.shape == (17, model.latent_dim)
        np.testing.assert_array_equal(out.numpy(), model.phi(angles).numpy())
        # a one-particle jet of momentum fraction z has the latent z * Phi(its angles)
        features = torch.cat([torch.full((17, 1), 0.3, dtype=torch.float64), angles], dim=1)
        lat = model.latent(ParticleBatch(features, torch.arange(17), 17))
    np.testing.assert_allclose(lat.numpy(), 0.3 * out.numpy(), **TOL64)


def test_filter_grid_orientation_rows_deta_columns_dphi():
    model = small()
    images, axis = filter_grid(model, extent=0.5, n=11)
    assert images.shape == (model.latent_dim, 11, 11)
    np.testing.assert_allclose(axis, np.linspace(-0.5, 0.5, 11))
    with torch.no_grad():
        for i, j in ((2, 8), (8, 2), (0, 10)):
            ref = model.filters(torch.tensor([[axis[i], axis[j]]])).numpy()[0]
            np.testing.assert_allclose(images[:, i, j], ref, **TOL64)


def test_properties_of_a_gaussian_blob():
    sigma, center = 0.1, (0.2, -0.1)
    p = filter_properties(gaussian(center, sigma), AXIS)
    assert isinstance(p, FilterProperties) and p.n_lobes == 1
    np.testing.assert_allclose(p.centroid, center, atol=STEP)
    np.testing.assert_allclose(p.peak, center, atol=STEP)
    assert p.radius == pytest.approx(sigma * np.sqrt(2 * np.log(2)), abs=STEP)
    assert p.distance_from_axis == pytest.approx(np.hypot(*center), abs=STEP)
    # a constant floor carries no information (z sums to one): the properties ignore it
    lifted = filter_properties(gaussian(center, sigma) + 3.0, AXIS)
    assert lifted.radius == pytest.approx(p.radius) and lifted.n_lobes == 1
    # the radius follows the width
    wide = filter_properties(gaussian(center, 2 * sigma), AXIS)
    assert wide.radius == pytest.approx(2 * sigma * np.sqrt(2 * np.log(2)), abs=STEP)


def test_two_blobs_have_two_lobes_and_specks_are_ignored():
    two = gaussian((0.3, 0.3), 0.05) + 0.8 * gaussian((-0.3, -0.2), 0.07)
    p = filter_properties(two, AXIS)
    assert p.n_lobes == 2
    np.testing.assert_allclose(p.peak, (0.3, 0.3), atol=STEP)  # the higher blob
    speck = gaussian((0.2, -0.1), 0.1)
    speck[0, 0] = 1.0  # one hot pixel in a corner: below the minimum lobe area
    assert filter_properties(speck, AXIS).n_lobes == 1
    assert filter_properties(speck, AXIS, min_pixels=1).n_lobes == 2


def test_a_ring_is_one_lobe_with_the_ring_radius():
    deta, dphi = np.meshgrid(AXIS, AXIS, indexing="ij")
    ring = np.exp(-(np.hypot(deta - 0.05, dphi + 0.05) - 0.4) ** 2 / (2 * 0.03**2))
    p = filter_properties(ring, AXIS)
    assert p.n_lobes == 1
    assert p.radius == pytest.approx(0.4, abs=STEP)
    np.testing.assert_allclose(p.centroid, (0.05, -0.05), atol=STEP)


def test_a_constant_filter_has_no_lobes():
    p = filter_properties(np.full((101, 101), 0.7), AXIS)
    assert p.n_lobes == 0 and np.isnan(p.radius) and np.isnan(p.centroid).all()
    with pytest.raises(ValueError):
        filter_properties(np.zeros((5, 6)), AXIS[:5])


def test_leading_filters_order_by_spread_and_put_dead_ones_last():
    rng = np.random.default_rng(6)
    latents = rng.normal(0.0, 1.0, (500, 7)) * np.array([1.0, 3.0, 0.0, 2.0, 0.0, 0.5, 0.0])
    latents[:, 4] = 1.5  # constant but not dead
    latents[:, 6] = 0.0
    np.testing.assert_array_equal(leading_filters(latents, 7), [1, 3, 0, 5, 4, 2, 6])
    np.testing.assert_array_equal(leading_filters(latents, 2), [1, 3])
    assert len(leading_filters(latents, 50)) == 7
    # spread, not size: a large but nearly constant latent ranks below a small varying one
    shifted = latents.copy()
    shifted[:, 5] += 100.0
    assert list(leading_filters(shifted, 4)) == [1, 3, 0, 5]


# ------------------------------------------------------------------------------- recipe
def test_efn_config_uses_the_efn_block_and_the_pfn_recipe():
    assert EFN_DEFAULTS == PFN_DEFAULTS
    block = get_profile("ci").chapter("efn")
    cfg = efn_config("ci", 3, lr=0.5)
    assert set(cfg) == set(EFN_DEFAULTS) | {"seed"} and cfg["seed"] == 3 and cfg["lr"] == 0.5
    for key, value in block.items():
        if key in EFN_DEFAULTS and key != "lr":
            assert cfg[key] == (list(value) if isinstance(value, tuple) else value), key


def test_train_efn_learns_and_is_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    p, y = toy_particles(n=300, seed=7)
    kw = {"max_epochs": 2, "batch_size": 50, "phi_sizes": (16, 16, 8), "f_sizes": (8,),
          "lr": 3e-3, "lr_milestones": (), "patience": 5, "device": "cpu"}
    model, hist = train_efn(p, y, p, y, "ci", seed=0, **kw)
    assert isinstance(model, EFN) and not hist.from_cache and hist.epochs_run == 2
    assert hist.train_loss[-1] < hist.train_loss[0]
    again, hist2 = train_efn(p, y, p, y, "ci", seed=0, **kw)
    assert isinstance(again, EFN) and hist2.from_cache
    np.testing.assert_allclose(logits32(again, p), logits32(model, p))
    assert any(f.name.startswith("efn-s0-") for f in (tmp_path / "models").iterdir())


# --------------------------------------------------------------------------------- plot
def test_filter_maps_draws_one_panel_per_filter():
    images = np.stack([gaussian((0.2, -0.1), 0.1), gaussian((0.0, 0.3), 0.05) - 0.2,
                       np.zeros((101, 101))])
    props = [filter_properties(img, AXIS) for img in images]
    fig = filter_maps(images, AXIS, props, ["filter 3", "filter 7", "filter 1"], ncols=2)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_images()]
    assert len(panels) == 3
    assert "$R_{50}$ = 0.12, 1 lobe" in panels[0].get_title()
    assert "constant filter" in panels[2].get_title()
    assert panels[0].get_xlabel() == r"$\Delta\phi$" and panels[0].get_ylabel() == r"$\Delta\eta$"
    assert len(panels[0].patches) == 1 and not panels[2].patches  # the R50 circle
    plt.close(fig)


def test_filter_properties_ignore_the_outside_of_the_jet_disc():
    """Pixels outside the jet (NaN from filter_grid's disc) change nothing: a blob inside the
    disc keeps its properties when the outside holds large values or NaN."""
    axis = np.linspace(-1.0, 1.0, 101)
    deta, dphi = np.meshgrid(axis, axis, indexing="ij")
    blob = np.exp(-((deta - 0.2) ** 2 + dphi ** 2) / (2 * 0.1 ** 2))
    outside = np.hypot(deta, dphi) > 0.8
    masked = np.where(outside, np.nan, blob)
    loud = np.where(outside, 50.0, blob)
    p = filter_properties(masked, axis)
    assert p.n_lobes == 1 and abs(p.radius - 0.1 * np.sqrt(2 * np.log(2))) < 0.02
    assert filter_properties(loud, axis).peak != p.peak  # the outside would dominate


def test_filter_grid_disc_sets_the_outside_to_nan():
    model = EFN((8, 4), (4,)).double()
    images, axis = filter_grid(model, extent=0.8, n=21, disc=0.8)
    d = np.hypot(*np.meshgrid(axis, axis, indexing="ij"))
    assert np.isnan(images[:, d > 0.8]).all() and np.isfinite(images[:, d <= 0.8]).all()


def test_radial_correlation_of_filters():
    """A filter rising with the angle to the axis (an angularity weight) has rank correlation
    +1 with the distance; a blob off the axis does not."""
    axis = np.linspace(-0.8, 0.8, 81)
    deta, dphi = np.meshgrid(axis, axis, indexing="ij")
    r = np.hypot(deta, dphi)
    ring = np.where(r > 0.8, np.nan, r ** 2)
    assert filter_properties(ring, axis).radial_correlation > 0.99
    assert filter_properties(-ring, axis).radial_correlation < -0.99
    blob = np.where(r > 0.8, np.nan, np.exp(-((deta - 0.4) ** 2 + dphi ** 2) / 0.02))
    assert abs(filter_properties(blob, axis).radial_correlation) < 0.9

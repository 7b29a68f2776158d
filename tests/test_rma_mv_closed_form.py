"""The O(k) closed-form three-level likelihood (multilevel._NestedLikelihood) against the
dense textbook formulas (multilevel._Likelihood: M = diag(vi) + s1 Z1 Z1' + s2 Z2 Z2',
Cholesky, explicit P), including effect-size units with several rows and moderators.
"""
import numpy as np
import pytest

from runecon import multilevel

#: both evaluate the same algebra in a different order: observed agreement <= 7e-13
#: (relative to 1 + |value|) over these designs; 1e-10 leaves a margin for other BLAS
RTOL_ALGEBRA = 1e-10


def _design(rng):
    rows = []
    for j in range(int(rng.integers(2, 7))):
        for e in range(int(rng.integers(1, 4))):
            rows += [(j, e)] * int(rng.integers(1, 3))          # units with 1 or 2 rows
    rows = [rows[i] for i in rng.permutation(len(rows))]      # clusters not contiguous
    cl = np.array([r[0] for r in rows])
    _, es = np.unique([f"{a}_{b}" for a, b in rows], return_inverse=True)
    return cl, es


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("reml", [True, False])
def test_closed_form_equals_dense(seed, reml):
    rng = np.random.default_rng(seed)
    cl, es = _design(rng)
    k = cl.size
    X = np.column_stack([np.ones(k), rng.normal(size=k)]) if seed % 2 and k > 3 else np.ones((k, 1))
    v, y = rng.uniform(0.01, 0.3, k), rng.normal(size=k)
    G = ((cl[:, None] == cl[None, :]).astype(float), (es[:, None] == es[None, :]).astype(float))
    dense = multilevel._Likelihood(y, v, X, G, reml)
    fast = multilevel._NestedLikelihood(y, v, X, cl, es, reml)
    for s in ([0.0, 0.0], [0.2, 0.0], [0.0, 0.1], [0.3, 0.05], [2.0, 1.0]):
        s = np.array(s)
        for a, b in zip(dense.ll(s, derivs=3), fast.ll(s, derivs=3)):
            a, b = np.asarray(a), np.asarray(b)
            assert np.all(np.abs(a - b) <= RTOL_ALGEBRA * (1 + np.abs(a)))
        _, Mi, _, _, Ai, _ = dense.parts(s)
        Ai2, QMy = fast.beta_parts(s)
        np.testing.assert_allclose(Ai2, Ai, rtol=RTOL_ALGEBRA)
        np.testing.assert_allclose(QMy, dense.X.T @ Mi @ y, rtol=RTOL_ALGEBRA, atol=RTOL_ALGEBRA)


def test_singular_information_matrix_is_reported_not_crashed():
    """A singular Fisher information (nothing to identify the variance components) raises
    ConvergenceError with advice, never numpy's LinAlgError or a plausible number."""
    import numpy as np
    import pytest

    from runecon.errors import ConvergenceError
    from runecon.multilevel import _ascend

    class FlatLikelihood:  # log-likelihood with zero curvature: H = F = 0
        def ll(self, sigma2, derivs=0):
            if derivs:
                return 0.0, np.ones(2), np.zeros((2, 2)), np.zeros((2, 2))
            return 0.0

    with pytest.raises(ConvergenceError, match="information matrix is singular"):
        _ascend(FlatLikelihood(), lambda x: x, [0, 1], np.array([0.1, 0.1]), scale=1.0)

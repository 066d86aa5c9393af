"""The soft student's two LSTM paths (packed for padded batches, plain for unpadded) agree."""

from __future__ import annotations

import torch
from carner.training.student_soft import build_network


def test_unpadded_fast_path_equals_packed_path() -> None:
    torch.manual_seed(0)
    arch = {"word_dim": 8, "char_buckets": 50, "char_dim": 4, "shape_dim": 3, "dropout": 0.0, "hidden": 6,
            "n_words": 30, "n_shapes": 5, "n_tags": 5}  # fmt: skip
    net = build_network(arch).eval()
    words = torch.tensor([[3, 4, 5, 6], [7, 8, 0, 0]])
    shapes = torch.tensor([[1, 2, 1, 2], [1, 1, 0, 0]])
    chars = torch.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    offsets = torch.tensor([0, 2, 4, 6, 8, 10, 11, 11])  # one bag per position; the pad positions are empty
    with torch.inference_mode():
        packed = net(words, shapes, chars, offsets, torch.tensor([4, 2]))  # padded batch -> packed path
        first = net(words[:1], shapes[:1], chars[:8], offsets[:4], torch.tensor([4]))  # unpadded path
        second = net(words[1:, :2], shapes[1:, :2], chars[8:], torch.tensor([0, 2]), torch.tensor([2]))
    assert torch.allclose(packed[0], first[0], atol=1e-6)
    assert torch.allclose(packed[1, :2], second[0], atol=1e-6)


def test_numpy_batch1_path_equals_the_torch_module() -> None:
    """carner.training.soft_batch1 computes the same probabilities as the torch network, for random weights
    (biases included), texts of 0-30 words, words with and without character n-grams."""
    import numpy as np
    from carner.training.soft_batch1 import Batch1Tagger
    from carner.training.student_soft import _batch_tensors

    torch.manual_seed(1)
    arch = {"word_dim": 8, "char_buckets": 50, "char_dim": 4, "shape_dim": 3, "dropout": 0.3, "hidden": 6,
            "n_words": 30, "n_shapes": 5, "n_tags": 7}  # fmt: skip
    net = build_network(arch).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.5)  # away from the init, so every weight matters
    fast = Batch1Tagger(net)
    rng = np.random.default_rng(0)
    for n in [0, 1, 2, 5, 13, 30]:
        feats = [
            (int(rng.integers(0, 30)), sorted(rng.integers(0, 50, size=int(rng.integers(0, 6))).tolist()),
             int(rng.integers(0, 5)))
            for _ in range(n)
        ]  # fmt: skip
        got = fast.probs(feats)
        assert got.shape == (n, 7) and got.dtype == np.float32
        if n:
            with torch.inference_mode():
                want = torch.softmax(net(**_batch_tensors([feats])), dim=-1)[0].numpy()
            assert np.allclose(got, want, atol=1e-5), (n, np.abs(got - want).max())
            assert np.allclose(got.sum(axis=1), 1.0, atol=1e-5)
        assert np.array_equal(fast.probs(feats), got)  # cached word vectors change nothing

"""A tiny BERT built from the test data (2 layers, hidden 64, a WordPiece vocab counted from the texts).

Why: fine-tuning the real MiniLM costs ~26 s per 1,000 titles per epoch here; a BERT of hidden 64 with
a vocab of a few hundred pieces trains in about a second and still has to learn for a test to pass.
Its weights are random: only fine-tuning can make it tag anything.

The vocab is counted here, not trained with `tokenizers`' WordPiece trainer: that trainer breaks ties
through Rust hash maps seeded per process, so the same texts gave a different vocab (and different test
metrics) in every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def counted_vocab(texts: Sequence[str], vocab_size: int) -> list[str]:
    """A deterministic WordPiece vocab: specials, every character (alone and as `##` piece), then the
    most frequent plain words (ties alphabetical). Words with inner punctuation ("f-150", "mercedes-benz")
    stay several pieces, as carner's words are for a real BERT.
    """
    from collections import Counter

    from carner.training.hf_words import carner_pre_tokenizer
    from tokenizers.normalizers import BertNormalizer

    normalizer = BertNormalizer(lowercase=True, strip_accents=True)
    split = carner_pre_tokenizer()
    words: Counter[str] = Counter()
    for text in texts:
        words.update(w for w, _ in split.pre_tokenize_str(normalizer.normalize_str(text)))
    chars = sorted({c for w in words for c in w})
    vocab = [*SPECIALS, *chars, *(f"##{c}" for c in chars)]
    plain = sorted((w for w in words if len(w) > 1 and w.isalnum()), key=lambda w: (-words[w], w))
    vocab += plain[: max(0, vocab_size - len(vocab))]
    if len(vocab) < vocab_size:  # too few words: fill with numbered unused slots, as BERT's vocab does
        vocab += [f"[unused{i}]" for i in range(vocab_size - len(vocab))]
    return vocab


def build_tiny_bert(texts: Sequence[str], out_dir: Path, vocab_size: int = 600, seed: int = 0) -> Path:
    """Write a `from_pretrained`-able BERT directory (config, safetensors, vocab.txt, tokenizer)."""
    import torch
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "vocab.txt").write_text("\n".join(counted_vocab(texts, vocab_size)) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab=str(out_dir / "vocab.txt"), do_lower_case=True)
    if tokenizer.vocab_size != vocab_size:  # transformers 4 named the argument vocab_file
        raise RuntimeError(f"tiny BERT tokenizer: {tokenizer.vocab_size} pieces, not {vocab_size}")
    tokenizer.save_pretrained(out_dir)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=128,
    )
    BertForMaskedLM(config).save_pretrained(out_dir, safe_serialization=True)
    return out_dir


def sandbox_titles(n: int, seed: int) -> tuple[list[str], list[list[tuple[int, int, str]]], list[str]]:
    """Titles, gold spans and the label set (schema order) of `n` sandbox listings."""
    from carner.annotation.labels import order_labels
    from carner.scraper.sandbox.generator import generate_listings

    listings = generate_listings(n, seed)
    texts = [x.title for x in listings]
    spans = [sorted(tuple(s) for s in x.title_spans) for x in listings]
    labels = order_labels({lab for s in spans for _, _, lab in s})
    return texts, spans, labels


def quiet_transformers(threads: int = 1) -> None:
    """transformers 5 prints load reports and progress bars: expected, and noise in test output.

    Also one torch thread: on the shared 2-core machine two threads that spin-wait for each other made
    a tiny BERT epoch 18x slower (11.8 s vs 0.64 s measured) than one thread.
    """
    import torch
    from transformers.utils import logging as hf_logging

    torch.set_num_threads(threads)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()

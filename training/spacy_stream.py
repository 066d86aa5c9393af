"""Streamed spaCy training data: shuffled DocBin shards read one at a time, so memory stays bounded.

Why: spaCy's training loop turns the whole corpus into a list of `Example`s to reshuffle it every epoch
(`training.max_epochs >= 0`). For the 177k teacher-labelled titles of the research-scale student that
list alone took ~2.5 GB, and it grows with the augmented set. With `max_epochs = -1` spaCy streams the
corpus instead and does not shuffle; this module supplies the shuffle: the texts are shuffled once
globally and written as shards of `shard_size` docs, and the reader `carner.ShuffledDocBins.v1` visits
the shards in a new order on every pass and shuffles each shard in memory. Peak memory is one shard.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carner.annotation.labels import Span
from carner.training.spacy_docs import MAX_EXAMPLES, AlignmentStats, write_docbin

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.training import Example

READER = "carner.ShuffledDocBins.v1"
SHARD_SUFFIX = ".spacy"


def write_shards(
    out_dir: Path,
    texts: Sequence[str],
    spans: Sequence[Sequence[Span]],
    nlp: Language,
    *,
    shard_size: int = 10_000,
    seed: int = 0,
) -> AlignmentStats:
    """Shuffle (seeded) and write `shard-NNNNN.spacy` files of at most `shard_size` docs each."""
    if shard_size < 1:
        raise ValueError("shard_size must be >= 1")
    if len(texts) != len(spans):
        raise ValueError(f"{len(texts)} texts but {len(spans)} span lists")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    total = AlignmentStats()
    for n, start in enumerate(range(0, len(order), shard_size)):
        idx = order[start : start + shard_size]
        shard = out_dir / f"shard-{n:05d}{SHARD_SUFFIX}"
        stats = write_docbin(shard, [texts[i] for i in idx], [spans[i] for i in idx], nlp=nlp)
        for f in fields(AlignmentStats):
            if f.name != "examples":
                setattr(total, f.name, getattr(total, f.name) + getattr(stats, f.name))
        total.examples.extend(stats.examples[: max(0, MAX_EXAMPLES - len(total.examples))])
    return total


def shard_files(path: Path) -> list[Path]:
    """The shard files of a directory (sorted), or the one file given."""
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob(f"*{SHARD_SUFFIX}"))
        if not found:
            raise FileNotFoundError(f"{path}: no {SHARD_SUFFIX} files")
        return found
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such DocBin file or directory")
    return [path]


def count_docs(path: Path) -> int:
    """Docs in a DocBin file or a directory of shards (one shard in memory at a time)."""
    from spacy.tokens import DocBin

    return sum(len(DocBin().from_disk(f)) for f in shard_files(path))


def read_shuffled(path: Path, nlp: Language, rng: random.Random) -> Iterator[Example]:
    """One pass: shards in a random order, each shard's examples shuffled."""
    from spacy.tokens import DocBin
    from spacy.training import Example

    files = shard_files(path)
    rng.shuffle(files)
    for f in files:
        docs = list(DocBin().from_disk(f).get_docs(nlp.vocab))
        rng.shuffle(docs)
        for reference in docs:
            yield Example(nlp.make_doc(reference.text), reference)


def register_reader() -> None:
    """Register `carner.ShuffledDocBins.v1` (same arguments as `spacy.Corpus.v1`, so a config can swap)."""
    import spacy

    if READER in spacy.registry.readers:
        return

    @spacy.registry.readers(READER)
    def make_reader(
        path: Path,
        max_length: int = 0,
        gold_preproc: bool = False,
        limit: int = 0,
        augmenter: Any = None,
    ) -> Callable[[Language], Iterator[Example]]:
        if max_length or gold_preproc or limit or augmenter is not None:
            raise ValueError(f"{READER}: max_length, gold_preproc, limit and augmenter are not supported")
        # One generator per reader; each pass draws its order from it. spaCy seeds `random` from
        # `system.seed` before the reader is built, so runs with one seed see the same order.
        passes = random.Random(random.getrandbits(32))

        def read(nlp: Language) -> Iterator[Example]:
            return read_shuffled(Path(path), nlp, random.Random(passes.getrandbits(32)))

        return read

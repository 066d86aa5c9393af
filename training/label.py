"""Teacher labelling of the augmented set: spans and per-word tag probabilities, in resumable chunks.

Why chunks: at research scale the teacher labels 200k texts (~20 min on this CPU); a killed run must
not start over. Each chunk of `chunk_size` input lines becomes one `chunk-NNNNN.npz` (written through a
temp file + `os.replace`), and `index.json` lists the finished chunks; a restart skips them and never
recomputes one. Files are plain numpy arrays, loaded with `allow_pickle=False`.

Chunk arrays: `texts` (unicode), `spans` (one JSON `[[start, end, "LABEL"], ...]` string per text),
`n_words` (int32 per text), `offsets` (int32 [words, 2], all texts concatenated), `probs` (float16
[words, tags]: the teacher's softmax at temperature 1; a student recovers any temperature T exactly
as softmax(log(p) / T), so the logits need not be kept).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np
from carner.annotation.labels import Span
from carner.training.artifacts import atomic_file, read_json, write_json_atomic
from carner.training.augment import read_augmented
from carner.training.decode import Decoder, check_decoder
from carner.training.identity import file_sha256, model_id
from carner.training.provenance import provenance
from carner.training.tokens import Token

log = logging.getLogger(__name__)

INDEX_FILE = "index.json"
FORMAT = "carner-teacher-labels/1"


class ProbTeacher(Protocol):
    path: Path
    tags: list[str]

    def iter_predict_with_probs(
        self,
        texts: Iterable[str],
        batch_size: int | None = None,
        progress: bool = False,
        total: int | None = None,
    ) -> Iterator[Any]: ...


class LabelledText(NamedTuple):
    text: str
    spans: list[Span]
    word_offsets: list[Token]
    probs: np.ndarray  # float32 [words, tags]


@dataclass(frozen=True)
class LabelConfig:
    chunk_size: int = 10_000
    batch_size: int = 64
    progress: bool = True
    restart: bool = False  # discard finished chunks made from another input/teacher instead of failing
    max_chunks: int | None = None  # stop after this many new chunks (split a long run over sessions)
    # Hard labels (spans) re-derived from the per-word probabilities written to the chunk, BIO-valid
    # ("viterbi", training.decode) or word by word ("argmax"); None keeps the teacher's own spans.
    decode: str | None = "viterbi"
    # Committee labelling (training.committee): a spaCy model directory (e.g. the baseline) whose tags
    # are averaged with the teacher's distributions, the teacher weighing `committee_bert_weight`.
    committee_baseline: str | None = None
    committee_bert_weight: float = 0.6

    def __post_init__(self) -> None:
        if not 0.0 <= self.committee_bert_weight <= 1.0:
            raise ValueError("committee_bert_weight must be in [0, 1]")
        if self.decode is not None:
            check_decoder(self.decode)
        if self.chunk_size < 1 or self.batch_size < 1:
            raise ValueError("chunk_size and batch_size must be >= 1")


@dataclass
class LabelManifest:
    out_dir: str
    n_texts: int
    n_chunks: int
    chunks_labelled: int
    chunks_skipped: int
    complete: bool
    seconds: float
    texts_per_second: float | None


def _count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


def write_chunk(path: Path, texts: list[str], preds: Sequence[Any]) -> dict[str, Any]:
    """One chunk file (atomic) from the teacher's predictions; returns its index entry's fields."""
    n_words = np.array([len(p.word_offsets) for p in preds], dtype=np.int32)
    n_tags = preds[0].probs.shape[1] if preds else 0
    offsets = np.array([o for p in preds for o in p.word_offsets], dtype=np.int32).reshape(-1, 2)
    probs = (
        np.concatenate([p.probs for p in preds])
        if int(n_words.sum())
        else np.zeros((0, n_tags), dtype=np.float32)
    ).astype(np.float16)
    spans = [json.dumps([list(s) for s in p.spans], ensure_ascii=False) for p in preds]
    with atomic_file(path, "wb") as fh:
        np.savez(
            fh,
            texts=np.array(texts, dtype=str),
            spans=np.array(spans, dtype=str),
            n_words=n_words,
            offsets=offsets,
            probs=probs,
        )
    return {"file": path.name, "n_texts": len(texts), "n_words": int(n_words.sum())}


def label_decoder(teacher: Any, decode: str | None) -> Decoder | None:
    """The decoder labelling uses: `decode` mode with the teacher's transition scores (if it has any)."""
    if decode is None:
        return None
    own = getattr(teacher, "decoder", None)
    if own is None:
        return Decoder(teacher.tags, decode)
    return Decoder(teacher.tags, decode, own.transitions, own.weight, own.joined)


def redecode(preds: Sequence[Any], decoder: Decoder | None) -> list[Any]:
    """Predictions with spans decoded again from their own per-word probabilities (None: unchanged)."""
    if decoder is None:
        return list(preds)
    return [p._replace(spans=decoder.spans(p.word_offsets, p.probs)) for p in preds]


def labelling_identity(
    teacher: Any, input_path: Path, chunk_size: int, n_total: int, decode: str | None = None
) -> dict[str, Any]:
    """What an `index.json` records to recognise its own chunks; any labeller of the format uses it.

    `teacher` needs `path` and `tags`; a teacher with an `identity` dict (a committee: its members and
    weights) adds it. Everything but `input` (the path) must match for a restart to reuse chunks —
    including the weights' hash: a teacher retrained in place must not reuse old labels.
    """
    extra: dict[str, Any] = {"decode": decode} if decode is not None else {}
    extra.update(getattr(teacher, "identity", None) or {})
    return {
        **extra,
        "format": FORMAT,
        "input": str(input_path),
        "input_sha256": file_sha256(input_path),  # a file's checksum, not a dataset identity
        "teacher": str(Path(teacher.path).resolve()),
        "teacher_id": model_id(teacher.path),
        "tags": list(teacher.tags),
        "chunk_size": chunk_size,
        "n_texts": n_total,
    }


def chunk_file(k: int) -> str:
    return f"chunk-{k:05d}.npz"


@dataclass
class ChunkIndex:
    """The state of a labelled directory: which chunks of which input are done (`index.json`).

    Every labelling executor (this process: `label_file`; worker processes: `training.label_dask`)
    opens it, labels the chunks still missing with `label_chunk`, and saves it after each one.
    """

    out_dir: Path
    input_path: Path
    identity: dict[str, Any]
    n_chunks: int
    chunk_size: int
    done: dict[int, dict[str, Any]]

    @classmethod
    def open(cls, cfg: LabelConfig, teacher: Any, input_path: Path, out_dir: Path) -> ChunkIndex:
        """Read `out_dir/index.json` (resume) or start one; stale chunks of another input/teacher
        are an error, or discarded with `cfg.restart`."""
        input_path = Path(input_path)
        if input_path.is_dir():
            input_path = input_path / "augmented.jsonl"
        if not input_path.is_file():
            raise FileNotFoundError(f"{input_path}: no such input file")
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        n_total = _count_lines(input_path)
        identity = labelling_identity(teacher, input_path, cfg.chunk_size, n_total, cfg.decode)
        index_path = out_dir / INDEX_FILE
        done: dict[int, dict[str, Any]] = {}
        if index_path.is_file():
            old = read_json(index_path)
            same = all(old.get(k) == v for k, v in identity.items() if k != "input")
            if not same and not cfg.restart:
                raise ValueError(
                    f"{index_path}: made from another input, teacher or chunk size; "
                    "use a new output directory or restart (--restart) to discard it"
                )
            if same:
                done = {int(c["index"]): c for c in old.get("chunks", []) if (out_dir / c["file"]).is_file()}
        if not done:
            for stale in out_dir.glob("chunk-*.npz"):
                stale.unlink()
        n_chunks = (n_total + cfg.chunk_size - 1) // cfg.chunk_size
        return cls(out_dir, input_path, identity, n_chunks, cfg.chunk_size, done)

    @property
    def complete(self) -> bool:
        return len(self.done) == self.n_chunks

    def todo(self) -> list[int]:
        return [k for k in range(self.n_chunks) if k not in self.done]

    def add(self, entry: dict[str, Any]) -> None:
        self.done[int(entry["index"])] = entry

    def save(self) -> None:
        write_json_atomic(
            self.out_dir / INDEX_FILE,
            {
                **self.identity,
                "complete": self.complete,
                "n_chunks": self.n_chunks,
                "chunks": [self.done[k] for k in sorted(self.done)],
                "provenance": provenance(),
            },
        )

    def texts(self, k: int) -> list[str]:
        """The input texts of chunk `k`."""
        return chunk_texts(self.input_path, k, self.chunk_size)


def chunk_texts(input_path: Path, k: int, chunk_size: int) -> list[str]:
    """The texts of chunk `k` of an augmented JSONL (lines k*chunk_size ... (k+1)*chunk_size - 1)."""
    lines = islice(read_augmented(Path(input_path)), k * chunk_size, (k + 1) * chunk_size)
    return [t for t, _ in lines]


def label_chunk(
    teacher: ProbTeacher,
    texts: list[str],
    out_dir: Path,
    k: int,
    chunk_size: int,
    batch_size: int,
    decode: str | None = None,
) -> dict[str, Any]:
    """Label one chunk's texts and write `chunk-k.npz`; its index entry (+ `seconds` of labelling).

    `decode` re-derives the hard spans from the per-word probabilities (`label_decoder`), the same in
    every executor, so the index's identity (which records it) describes every chunk."""
    t0 = time.perf_counter()
    preds = list(teacher.iter_predict_with_probs(texts, batch_size=batch_size))
    preds = redecode(preds, label_decoder(teacher, decode))
    seconds = time.perf_counter() - t0
    entry = write_chunk(Path(out_dir) / chunk_file(k), texts, preds)
    return {"index": k, "start": k * chunk_size, **entry, "seconds": round(seconds, 4)}


def finish(
    index: ChunkIndex,
    cfg: LabelConfig,
    labelled: int,
    skipped: int,
    texts: int,
    label_s: float,
    started: float,
) -> LabelManifest:
    """The run's manifest (also written as `manifest.json`)."""
    manifest = LabelManifest(
        out_dir=str(index.out_dir),
        n_texts=int(index.identity["n_texts"]),
        n_chunks=index.n_chunks,
        chunks_labelled=labelled,
        chunks_skipped=skipped,
        complete=index.complete,
        seconds=round(time.perf_counter() - started, 3),
        texts_per_second=round(texts / label_s, 1) if label_s else None,
    )
    write_json_atomic(index.out_dir / "manifest.json", {**asdict(manifest), "config": asdict(cfg)})
    log.info(
        "label: %d/%d chunks done (%d new, %d skipped) in %s",
        len(index.done),
        index.n_chunks,
        labelled,
        skipped,
        index.out_dir,
    )
    return manifest


def label_file(cfg: LabelConfig, teacher: ProbTeacher, input_path: Path, out_dir: Path) -> LabelManifest:
    """Label every text of an augmented JSONL file; resumes from `out_dir/index.json` when it exists."""
    from contextlib import nullcontext

    from carner.common.progress import nothing, progress_bar

    started = time.perf_counter()
    if cfg.committee_baseline is not None:
        from carner.training.committee import CommitteeTeacher

        teacher = CommitteeTeacher(teacher, cfg.committee_baseline, cfg.committee_bert_weight)
    index = ChunkIndex.open(cfg, teacher, input_path, out_dir)
    index.save()
    skipped = len(index.done)
    labelled = texts_labelled = 0
    t_label = 0.0
    lines = read_augmented(index.input_path)
    total = int(index.identity["n_texts"])
    with progress_bar("label", total=total) if cfg.progress else nullcontext(nothing) as advance:
        advance(sum(c["n_texts"] for c in index.done.values()))  # chunks a killed run finished
        for k in range(index.n_chunks):
            chunk = list(islice(lines, cfg.chunk_size))  # parse through finished chunks too (cheap)
            if k in index.done:
                continue
            if cfg.max_chunks is not None and labelled >= cfg.max_chunks:
                break
            entry = label_chunk(
                teacher,
                [t for t, _ in chunk],
                index.out_dir,
                k,
                cfg.chunk_size,
                cfg.batch_size,
                decode=cfg.decode,
            )
            t_label += entry.pop("seconds")
            index.add(entry)
            index.save()
            labelled += 1
            texts_labelled += entry["n_texts"]
            advance(entry["n_texts"])
    return finish(index, cfg, labelled, skipped, texts_labelled, t_label, started)


def read_index(out_dir: Path) -> dict[str, Any]:
    """The labelled set's index; a FileNotFoundError naming the directory when it is missing."""
    path = Path(out_dir) / INDEX_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not a labelled set (run `carner label` first)")
    index = read_json(path)
    if index.get("format") != FORMAT:
        raise ValueError(f"{path}: unknown format {index.get('format')!r}, expected {FORMAT!r}")
    return index


def load_chunk(path: Path) -> list[LabelledText]:
    """One chunk's texts with spans, word offsets and float32 probabilities (no pickle)."""
    with np.load(path, allow_pickle=False) as z:
        texts, spans, n_words = z["texts"], z["spans"], z["n_words"]
        offsets, probs = z["offsets"], z["probs"].astype(np.float32)
    out, pos = [], 0
    for i, text in enumerate(texts):
        n = int(n_words[i])
        out.append(
            LabelledText(
                str(text),
                [(int(s), int(e), str(lab)) for s, e, lab in json.loads(str(spans[i]))],
                [(int(s), int(e)) for s, e in offsets[pos : pos + n]],
                probs[pos : pos + n],
            )
        )
        pos += n
    return out


def iter_labelled(out_dir: Path, require_complete: bool = True) -> Iterator[LabelledText]:
    """Stream the labelled set chunk by chunk (never the whole set in memory)."""
    out_dir = Path(out_dir)
    index = read_index(out_dir)
    if require_complete and not index.get("complete"):
        raise ValueError(
            f"{out_dir / INDEX_FILE}: labelling not finished ({len(index['chunks'])}/"
            f"{index['n_chunks']} chunks); run `carner label` again to resume"
        )
    for chunk in index["chunks"]:
        yield from load_chunk(out_dir / chunk["file"])

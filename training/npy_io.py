"""Read and write the research's four npy files (texts and JSON span strings, train and test).

Users bring their own files, so the loader trusts nothing: pickles are refused (a `.npy` object
array runs arbitrary code on load), and every problem names the file and the index that caused it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from annotation.labels import Span, order_labels
from db.files import mkstemp_shared

log = logging.getLogger(__name__)

SPLITS = ("train", "test")
NPY_FILES = {
    ("text", "train"): "text_train.npy",
    ("labels", "train"): "labels_train.npy",
    ("text", "test"): "text_test.npy",
    ("labels", "test"): "labels_test.npy",
}

PICKLE_HELP = (
    "it holds Python objects (a pickled object array), which carner does not load because unpickling "
    "can run arbitrary code. Convert it once in a trusted session: "
    "`a = np.load(path, allow_pickle=True); np.save(path, np.array([str(x) for x in a], dtype=str))` "
    '(labels: one JSON string `[[start, end, "LABEL"], ...]` per text), or pass allow_pickle=True '
    "(`--allow-pickle`) if you trust the file."
)


class DatasetError(ValueError):
    """Bad dataset input; the message names the file (and index) at fault."""


@dataclass(frozen=True)
class NpyDataset:
    """Texts and gold spans of both splits, and the label set found in (or imposed on) them."""

    train_texts: list[str]
    train_spans: list[list[Span]]
    test_texts: list[str]
    test_spans: list[list[Span]]
    labels: list[str] = field(default_factory=list)

    def split(self, name: str) -> tuple[list[str], list[list[Span]]]:
        if name == "train":
            return self.train_texts, self.train_spans
        if name == "test":
            return self.test_texts, self.test_spans
        raise ValueError(f"unknown split {name!r}; expected one of {SPLITS}")


def spans_to_json(spans: Iterable[Span]) -> str:
    """The on-disk form of one text's spans: `[[start, end, "LABEL"], ...]`, sorted, compact."""
    return json.dumps([[int(s), int(e), str(lab)] for s, e, lab in sorted(spans)], ensure_ascii=False)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temp file in the same directory + `os.replace`, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = mkstemp_shared(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def str_array_bytes(values: Sequence[str]) -> bytes:
    """`.npy` bytes of a unicode array (never an object array, so `allow_pickle=False` loads it)."""
    import io

    arr = np.array(list(values), dtype=str) if len(values) else np.zeros(0, dtype="<U1")
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def save_npy_dataset(
    out_dir: Path,
    train: tuple[Sequence[str], Sequence[Sequence[Span]]],
    test: tuple[Sequence[str], Sequence[Sequence[Span]]],
) -> dict[str, Path]:
    """Write the four files atomically; returns file name -> path. All bytes are built before any write."""
    payloads: dict[str, bytes] = {}
    for split, (texts, spans) in (("train", train), ("test", test)):
        if len(texts) != len(spans):
            raise DatasetError(f"{split}: {len(texts)} texts but {len(spans)} span lists")
        payloads[NPY_FILES[("text", split)]] = str_array_bytes(list(texts))
        payloads[NPY_FILES[("labels", split)]] = str_array_bytes([spans_to_json(s) for s in spans])
    written = {}
    for name, data in payloads.items():
        atomic_write_bytes(out_dir / name, data)
        written[name] = out_dir / name
    return written


def _load_str_array(path: Path, allow_pickle: bool) -> list[str]:
    if not path.is_file():
        raise DatasetError(
            f"{path}: missing file (a dataset directory needs {', '.join(NPY_FILES.values())})"
        )
    try:
        arr = np.load(path, allow_pickle=allow_pickle)
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DatasetError(f"{path}: {PICKLE_HELP}") from None
        raise DatasetError(f"{path}: not a readable .npy file ({exc})") from None
    except (OSError, EOFError) as exc:
        raise DatasetError(f"{path}: not a readable .npy file ({exc})") from None
    if not isinstance(arr, np.ndarray):
        raise DatasetError(f"{path}: expected one array, found {type(arr).__name__}")
    if arr.ndim != 1:
        raise DatasetError(f"{path}: expected a 1-D array of strings, found shape {arr.shape}")
    if arr.dtype.kind == "U":
        return [str(x) for x in arr]
    if arr.dtype.kind == "O" and allow_pickle:
        out = []
        for i, x in enumerate(arr):
            if not isinstance(x, str):
                raise DatasetError(f"{path}[{i}]: expected a string, found {type(x).__name__}")
            out.append(x)
        return out
    raise DatasetError(
        f"{path}: expected a unicode string array (dtype '<U…'), found dtype {arr.dtype}; "
        "save it with `np.save(path, np.array(list_of_str, dtype=str))`"
    )


def parse_spans(raw: str, text: str, where: str, labels: set[str] | None = None) -> list[Span]:
    """One JSON span string checked against its text; `where` is `file[index]` for the message."""
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: not valid JSON ({exc.msg} at char {exc.pos}): {raw[:80]!r}") from None
    if not isinstance(items, list):
        raise DatasetError(f"{where}: expected a JSON list of [start, end, label], found {raw[:80]!r}")
    spans: list[Span] = []
    for j, item in enumerate(items):
        if (
            not isinstance(item, list | tuple)
            or len(item) != 3
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in item[:2])
            or not isinstance(item[2], str)
        ):
            raise DatasetError(f'{where}: span {j} is {item!r}; expected [start, end, "LABEL"]')
        start, end, label = int(item[0]), int(item[1]), item[2]
        if not (0 <= start < end <= len(text)):
            raise DatasetError(
                f"{where}: span {j} [{start}, {end}, {label!r}] out of range for a text of {len(text)} "
                f"characters ({text[:60]!r})"
            )
        if labels is not None and label not in labels:
            raise DatasetError(
                f"{where}: span {j} has unknown label {label!r}; "
                f"configured labels: {', '.join(sorted(labels))}"
            )
        spans.append((start, end, label))
    return sorted(spans)


def load_npy_dataset(
    data_dir: Path | str,
    labels: Sequence[str] | None = None,
    allow_pickle: bool = False,
) -> NpyDataset:
    """Load any four npy files (ours or hand-made); the label set comes from the data unless given.

    `labels` given: a span with another label is an error (naming file and index), and the returned
    label set is exactly `labels`. `allow_pickle=True` accepts object arrays of str (warned: only for
    trusted files).
    """
    data_dir = Path(data_dir)
    if allow_pickle:
        log.warning(
            "allow_pickle=True: loading pickled arrays from %s can run code; only for trusted files", data_dir
        )
    wanted = set(labels) if labels is not None else None
    out: dict[str, tuple[list[str], list[list[Span]]]] = {}
    seen: set[str] = set()
    for split in SPLITS:
        text_path = data_dir / NPY_FILES[("text", split)]
        labels_path = data_dir / NPY_FILES[("labels", split)]
        texts = _load_str_array(text_path, allow_pickle)
        raw = _load_str_array(labels_path, allow_pickle)
        if len(texts) != len(raw):
            raise DatasetError(
                f"{labels_path}: {len(raw)} entries but {text_path.name} has {len(texts)} texts "
                f"(first unmatched index {min(len(texts), len(raw))})"
            )
        spans = [
            parse_spans(r, t, f"{labels_path}[{i}]", wanted)
            for i, (t, r) in enumerate(zip(texts, raw, strict=True))
        ]
        for s in spans:
            seen.update(lab for _, _, lab in s)
        out[split] = (texts, spans)
    label_list = list(labels) if labels is not None else order_labels(seen)
    return NpyDataset(out["train"][0], out["train"][1], out["test"][0], out["test"][1], label_list)

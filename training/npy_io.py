"""Read and write the research's four npy files (texts and JSON span strings, train and test).

Users bring their own files, so the loader trusts nothing: pickles are refused (a `.npy` object
array runs arbitrary code on load), and every problem names the file and the index that caused it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from carner.annotation.labels import Span, order_labels
from carner.training.artifacts import atomic_write_bytes

from carner.common.files import file_mode, mkdtemp_shared

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


# ------------------------------------------------------------------ a set of files replaced as one
#
# The four npy files (and the DocBins, and dataset.json) only make sense together: a new
# `text_train.npy` beside an old `labels_train.npy` pairs texts with another text's spans, and most
# of them still pass validation. So a dataset is written as one unit: every file goes to a staging
# directory first; one atomic rename of a journal naming them is the commit point; then the files
# are moved in. A kill before the commit leaves the old set; a kill after it is finished ("rolled
# forward") by the next reader or writer, which therefore always sees the new set.

SWAP_JOURNAL = ".dataset-swap.json"
STAGING_PREFIX = ".dataset-new-"
STALE_STAGING_S = 600.0


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not supported here (e.g. some network filesystems)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_files_as_one(out_dir: Path, payloads: dict[str, bytes]) -> None:
    """Write `payloads` (file name -> bytes) into `out_dir` so readers see all old or all new files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    finish_interrupted_swap(out_dir)
    staging = Path(mkdtemp_shared(dir=out_dir, prefix=STAGING_PREFIX))
    try:
        for name, data in payloads.items():
            with open(staging / name, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(staging / name, file_mode())  # the user's umask, as open() would give
        _fsync_dir(staging)
        journal = {"staging": staging.name, "files": sorted(payloads)}
        atomic_write_bytes(out_dir / SWAP_JOURNAL, json.dumps(journal).encode())  # the commit point
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finish_interrupted_swap(out_dir, own_write=True)


def finish_interrupted_swap(data_dir: Path, own_write: bool = False) -> bool:
    """Complete a committed replacement a kill interrupted (True when there was one to finish).

    Staging directories without a journal (a write killed before its commit point) are removed
    once they are old enough not to belong to a build still running. `own_write`: the caller is the
    writer finishing its own committed swap (nothing was interrupted, so nothing is warned about).
    """
    data_dir = Path(data_dir)
    journal = data_dir / SWAP_JOURNAL
    finished = False
    if journal.is_file():
        try:
            info = json.loads(journal.read_text(encoding="utf-8"))
            staging = data_dir / str(info["staging"])
            names = [str(n) for n in info["files"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise DatasetError(
                f"{journal}: unreadable dataset journal ({exc}); run `dataset build` again"
            ) from None
        try:
            for name in names:
                if (staging / name).exists():
                    os.replace(staging / name, data_dir / name)
            _fsync_dir(data_dir)
            journal.unlink()
        except OSError as exc:
            raise DatasetError(
                f"{data_dir}: an interrupted dataset write could not be finished ({exc}); "
                "run `dataset build` again"
            ) from None
        shutil.rmtree(staging, ignore_errors=True)
        if own_write:
            log.debug("%s: dataset files replaced", data_dir)
        else:
            log.warning("%s: finished a dataset replacement that was interrupted", data_dir)
        finished = True
    now = time.time()
    for stale in data_dir.glob(f"{STAGING_PREFIX}*"):
        try:
            if now - stale.stat().st_mtime > STALE_STAGING_S:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            pass
    return finished


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
    """Write the four files as one unit (`replace_files_as_one`); returns file name -> path."""
    payloads: dict[str, bytes] = {}
    for split, (texts, spans) in (("train", train), ("test", test)):
        if len(texts) != len(spans):
            raise DatasetError(f"{split}: {len(texts)} texts but {len(spans)} span lists")
        payloads[NPY_FILES[("text", split)]] = str_array_bytes(list(texts))
        payloads[NPY_FILES[("labels", split)]] = str_array_bytes([spans_to_json(s) for s in spans])
    replace_files_as_one(out_dir, payloads)
    return {name: out_dir / name for name in payloads}


MAX_ELEMENTS = 50_000_000  # far beyond any dataset of titles; a header claiming more is refused
_NPY_MAGIC = b"\x93NUMPY"


def _check_header(path: Path) -> None:
    """Refuse, before any allocation, a file that is not `.npy` or whose header promises more data
    than the file holds (a header claiming 10^10 elements would otherwise meet a MemoryError)."""
    from numpy.lib import format as npy_format

    size = path.stat().st_size
    with open(path, "rb") as fh:
        if fh.read(len(_NPY_MAGIC)) != _NPY_MAGIC:
            raise DatasetError(f"{path}: not a .npy file (it does not start with the npy magic bytes)")
        fh.seek(0)
        try:
            version = npy_format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = npy_format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, _, dtype = npy_format.read_array_header_2_0(fh)
            else:  # (3, 0): utf-8 header, same layout as 2.0
                shape, _, dtype = npy_format._read_array_header(fh, version)
        except (ValueError, SyntaxError, OSError) as exc:
            raise DatasetError(f"{path}: bad .npy header ({' '.join(str(exc).split())[:160]})") from None
        body = size - fh.tell()
    count = 1
    for dim in shape:
        count *= int(dim)
    if count > MAX_ELEMENTS:
        raise DatasetError(f"{path}: header claims {count:,} elements (more than {MAX_ELEMENTS:,})")
    if dtype.kind != "O" and count * dtype.itemsize > body:
        raise DatasetError(
            f"{path}: header claims {count:,} elements ({count * dtype.itemsize:,} bytes) but the file "
            f"holds {body:,} bytes of data (truncated or forged)"
        )


def _load_str_array(path: Path, allow_pickle: bool) -> list[str]:
    if not path.is_file():
        raise DatasetError(
            f"{path}: missing file (a dataset directory needs {', '.join(NPY_FILES.values())})"
        )
    _check_header(path)
    try:
        arr = np.load(path, allow_pickle=allow_pickle)
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DatasetError(f"{path}: {PICKLE_HELP}") from None
        raise DatasetError(f"{path}: not a readable .npy file ({exc})") from None
    except (OSError, EOFError, MemoryError) as exc:
        raise DatasetError(f"{path}: not a readable .npy file ({type(exc).__name__}: {exc})") from None
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
    except RecursionError:
        raise DatasetError(f"{where}: JSON nested too deeply: {raw[:40]!r}") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise DatasetError(f"{where}: not valid JSON ({' '.join(str(exc).split())[:100]})") from None
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
    if data_dir.is_dir() and (data_dir / SWAP_JOURNAL).exists():
        finish_interrupted_swap(data_dir)  # a build killed mid-replacement: see the whole new set
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

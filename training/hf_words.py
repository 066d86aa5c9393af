"""carner's word split inside a Hugging Face tokenizer, and the model card that says how to serve it.

Why: the teacher tags words (training.tokens.WORD_RE: "F-150", "XLT", "Mercedes-Benz" whole) and puts
each word's tag on its first sub-word. BERT's own pre-tokenizer splits at every punctuation mark, so
`transformers.pipeline("token-classification")` would see `F`, `-`, `150` as three words and read tags
from sub-words training never labelled. With carner's split as the tokenizer's pre-tokenizer, a word's
later pieces are `##` continuations, and the pipeline's `aggregation_strategy="first"` reads exactly the
sub-word carner reads: the pipeline's entities are `carner predict`'s spans.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

from carner.training.tokens import WORD_RE

log = logging.getLogger(__name__)

# The transformers pipeline strategy that reproduces carner's decoding (tag of each word's first piece).
PIPELINE_AGGREGATION = "first"


def carner_pre_tokenizer() -> Any:
    """Whitespace split, then carner's word regex (matches and the rest kept as separate words)."""
    from tokenizers import Regex, pre_tokenizers

    return pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Split(Regex(WORD_RE.pattern), behavior="isolated")]
    )


def splits_carner_words(tokenizer: Any) -> bool:
    """True when the tokenizer's pre-tokenizer is carner's word split (set by `carner_word_tokenizer`)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    return backend is not None and repr(backend.pre_tokenizer) == repr(carner_pre_tokenizer())


def carner_word_tokenizer(tokenizer: Any, max_length: int) -> Any:
    """The same vocabulary and normaliser with carner's word split as pre-tokenizer (WordPiece only).

    The result is a generic fast tokenizer (`PreTrainedTokenizerFast`): model-specific classes such as
    transformers 5's `BertTokenizer` rebuild BERT's pre-tokenizer on load and would drop the split.
    `model_max_length` is the teacher's `max_length`, so the pipeline truncates where training did.
    Other sub-word models (BPE, SentencePiece) are returned unchanged: their word boundaries live in
    the pre-tokenizer (byte-level spaces, `▁`), and replacing it would change every piece.
    """
    from transformers import PreTrainedTokenizerFast

    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or type(backend.model).__name__ != "WordPiece":
        log.info("tokenizer is not WordPiece: HF pipelines will not group sub-words into carner's words")
        return tokenizer
    backend = copy.deepcopy(backend)
    backend.pre_tokenizer = carner_pre_tokenizer()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, model_max_length=max_length, **tokenizer.special_tokens_map
    )


def write_model_card(
    model_dir: Path, *, name: str, kind: str, labels: list[str], carner_words: bool, train: dict[str, Any]
) -> None:
    """README.md for the Hub/transformers: labels, how to run the pipeline, how it was trained.

    `name` is the directory users will load (the card is written into a temp directory first).
    """
    best = train.get("best_val_f1")
    usage = (
        f'`aggregation_strategy="{PIPELINE_AGGREGATION}"` returns exactly carner\'s word-by-word reading '
        '(`carner predict --decode argmax`): the tokenizer\'s pre-tokenizer is carner\'s word split '
        '("F-150", "XLT", "Mercedes-Benz" stay whole words) and every word\'s tag sits on its first '
        "sub-word. `simple`, `average` and `max` also read later sub-words, which training never labelled, "
        "and can cut words apart. `carner predict` decodes by default with BIO-constrained Viterbi over the "
        'per-word scores (`metrics.json` "decoder", `training.decode`), which the pipeline cannot do: it '
        'joins multi-word values ("Glacier White" one COLOR span where the pipeline may give two) and '
        "never starts a span with I-; the two readings differ only there."
        if carner_words
        else "This tokenizer is not WordPiece, so its words are not carner's: use `carner predict` "
        "for carner's spans; the pipeline's entities may cut words apart."
    )
    lines = [
        "---",
        "library_name: transformers",
        "pipeline_tag: token-classification",
        "tags: [token-classification, ner, carner]",
        "---",
        "",
        f"# carner {kind}",
        "",
        "Named-entity recognition for car listing titles (make, model and characteristics), fine-tuned",
        "by carner on BIO tags over carner's words.",
        "",
        f"Labels: {', '.join(labels)}.",
        "",
        "## Use with transformers",
        "",
        "```python",
        "from transformers import pipeline",
        "",
        f'ner = pipeline("token-classification", model="{name}", '
        f'aggregation_strategy="{PIPELINE_AGGREGATION}")',
        'ner("2019 Ford F-150 XLT 4x4")  # entity_group, score, word, start, end',
        "```",
        "",
        usage,
        "",
        "## Training",
        "",
        f"- training texts: {train.get('n_train', '?')}, validation texts: {train.get('n_val', '?')}",
        f"- epochs run: {train.get('epochs_run', '?')} (best {train.get('best_epoch', '?')})",
        f"- best validation micro F1 (exact spans): {'—' if best is None else f'{best:.3f}'}",
        "- test scores, when evaluated, are in `metrics.json` (`f1`, `per_label`).",
        "",
    ]
    (Path(model_dir) / "README.md").write_text("\n".join(lines), encoding="utf-8")

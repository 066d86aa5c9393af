"""`carner train teacher`, `carner augment`, `carner label`, `carner train student`, `carner train all`.

Thin shells over training.teacher / augment / label / student_* / distill: parse options, resolve
default paths from settings, call the stage function, print a one-screen summary.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from flows.cli.app import app, fail, train_app
from flows.settings import get_settings

DATA_HELP = "Dataset directory with the four npy files (default: CARNER_WORKDIR, i.e. data/)."
PICKLE_HELP = "Accept pickled object arrays in the npy files (runs code from the file: trusted files only)."
STAGE_ERRORS = (FileNotFoundError, ValueError, KeyError, RuntimeError, OSError)


def _offline(bert: str | None) -> None:
    """No model hub unless a hub name is given: the default and local BERTs load from files only."""
    if bert is None or Path(bert).expanduser().exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _load_data(data_dir: Path, allow_pickle: bool = False) -> Any:
    from training.npy_io import DatasetError, load_npy_dataset

    try:
        return load_npy_dataset(data_dir, allow_pickle=allow_pickle)
    except DatasetError as exc:
        raise fail(str(exc)) from None


def _evaluate(model_dir: Path, ds: Any, data_dir: Path) -> None:
    if not ds.test_texts:
        return
    from flows.cli.train import _print_eval
    from training.evaluate import evaluate_dir

    metrics = evaluate_dir(
        model_dir,
        ds.test_texts,
        ds.test_spans,
        labels=ds.labels,
        eval_data={"dir": str(data_dir), "split": "test"},
    )
    _print_eval(str(model_dir), metrics)


# --------------------------------------------------------------------------------------------- teacher
@train_app.command("teacher")
def train_teacher_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path | None = typer.Option(None, help="Model directory (default: <workdir>/models/teacher)."),
    bert: str | None = typer.Option(
        None, help="BERT directory or hub name (default: CARNER_BERT, else the offline MiniLM package)."
    ),
    epochs: int = typer.Option(15, min=1, help="Maximum epochs (early stopping on a validation split)."),
    batch_size: int = typer.Option(32, min=1, help="Texts per optimiser step."),
    learning_rate: float = typer.Option(5e-5, min=0.0, help="AdamW peak learning rate (after warm-up)."),
    dropout: float = typer.Option(0.5, min=0.0, max=0.99, help="Classifier dropout (the research's 0.5)."),
    encoder_dropout: float = typer.Option(
        0.1,
        min=0.0,
        max=0.99,
        help="Hidden/attention dropout inside BERT (0.5 as in the research cut F1 to 0.56 from 0.91 here).",
    ),
    max_texts: int | None = typer.Option(None, min=1, help="Train on at most this many texts (demo)."),
    patience: int = typer.Option(3, min=1, help="Epochs without a better validation F1 before stopping."),
    seed: int = typer.Option(0, help="Random seed (weights init, shuffling, validation split)."),
    device: str | None = typer.Option(None, help="cpu or cuda (default: CUDA when available)."),
    threads: int | None = typer.Option(None, min=1, help="CPU threads for torch (default: torch's)."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help=PICKLE_HELP),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the evaluation on the test split."),
) -> None:
    """Fine-tune the BERT teacher (token classification) on the dataset's training split."""
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    out_dir = out or settings.models_dir / "teacher"
    bert = bert or settings.bert
    _offline(bert)
    ds = _load_data(data_dir, allow_pickle)
    from training.teacher import TeacherConfig, train_teacher

    try:
        cfg = TeacherConfig(
            bert=bert,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            dropout=dropout,
            encoder_dropout=encoder_dropout,
            max_texts=max_texts,
            patience=patience,
            seed=seed,
            device=device,
            threads=threads,
        )
        m = train_teacher(cfg, ds.train_texts, ds.train_spans, ds.labels, out_dir)
        typer.echo(
            f"teacher: {m.n_train} train / {m.n_val} validation texts, {m.epochs_run} epochs "
            f"(best {m.best_epoch}, val F1 {_fmt(m.best_val_f1)}), "
            f"{m.seconds_per_epoch:.1f} s/epoch on {m.device}, {m.size_bytes / 1e6:.1f} MB"
        )
        if not no_eval:
            _evaluate(out_dir, ds, data_dir)
    except STAGE_ERRORS as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {out_dir}")


# --------------------------------------------------------------------------------------------- augment
@app.command("augment")
def augment_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path | None = typer.Option(None, help="Output directory (default: <workdir>/augmented)."),
    n_iter: int = typer.Option(50, min=0, help="Variants per training text (Tang et al.: 50; 4k -> 200k)."),
    p_mask: float = typer.Option(0.1, min=0.0, max=1.0, help="Chance a word becomes the mask token."),
    p_pos: float = typer.Option(
        0.1,
        min=0.0,
        max=1.0,
        help="Chance an entity is swapped for another value of its label seen in training.",
    ),
    p_ng: float = typer.Option(0.25, min=0.0, max=1.0, help="Chance a 2-5 unit window is shuffled."),
    seed: int = typer.Option(0, help="Random seed (same seed, same output)."),
    mask_token: str = typer.Option("[MASK]", help="The teacher's mask token."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help=PICKLE_HELP),
) -> None:
    """Write augmented.jsonl: the training texts and their unique variants, for teacher labelling."""
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    out_dir = out or settings.workdir / "augmented"
    ds = _load_data(data_dir, allow_pickle)
    from training.augment import AugmentConfig, augment

    try:
        cfg = AugmentConfig(
            n_iter=n_iter, p_mask=p_mask, p_pos=p_pos, p_ng=p_ng, seed=seed, mask_token=mask_token
        )
        m = augment(cfg, ds.train_texts, ds.train_spans, out_dir)
    except STAGE_ERRORS as exc:
        raise fail(str(exc)) from None
    typer.echo(
        f"augment: {m.n_input} texts -> {m.n_written} unique lines ({m.n_duplicates} duplicates "
        f"dropped; {m.n_masked_words} masked words, {m.n_substituted} substitutions, "
        f"{m.n_shuffled} shuffles) in {m.seconds:.1f} s"
    )
    typer.echo(f"wrote {m.path}")


# ----------------------------------------------------------------------------------------------- label
@app.command("label")
def label_cmd(
    teacher: Path | None = typer.Option(
        None, help="Teacher model directory (default: <workdir>/models/teacher)."
    ),
    input: Path | None = typer.Option(
        None, "--input", help="Augmented JSONL file or its directory (default: <workdir>/augmented)."
    ),
    out: Path | None = typer.Option(None, help="Output directory (default: <workdir>/labelled)."),
    chunk_size: int = typer.Option(10_000, min=1, help="Texts per chunk file (the unit of resumption)."),
    batch_size: int = typer.Option(64, min=1, help="Texts per teacher forward pass."),
    max_chunks: int | None = typer.Option(None, min=1, help="Stop after this many new chunks."),
    restart: bool = typer.Option(
        False, "--restart", help="Discard chunks made from another input or teacher."
    ),
    device: str | None = typer.Option(None, help="cpu or cuda (default: CUDA when available)."),
    threads: int | None = typer.Option(None, min=1, help="CPU threads for torch (default: torch's)."),
) -> None:
    """Label the augmented set with the teacher (spans + per-word probabilities), resumably in chunks."""
    settings = get_settings()
    teacher_dir = teacher or settings.models_dir / "teacher"
    in_path = input or settings.workdir / "augmented"
    out_dir = out or settings.workdir / "labelled"
    _offline(None)
    from training.label import LabelConfig, label_file
    from training.teacher import TeacherModel

    try:
        model = TeacherModel(teacher_dir, device=device, batch_size=batch_size, threads=threads)
        cfg = LabelConfig(
            chunk_size=chunk_size, batch_size=batch_size, restart=restart, max_chunks=max_chunks
        )
        m = label_file(cfg, model, in_path, out_dir)
    except STAGE_ERRORS as exc:
        raise fail(str(exc)) from None
    state = "complete" if m.complete else "incomplete: run again to resume"
    speed = f", {m.texts_per_second:.0f} texts/s" if m.texts_per_second else ""
    typer.echo(
        f"label: {m.n_texts} texts in {m.n_chunks} chunks ({m.chunks_labelled} labelled now, "
        f"{m.chunks_skipped} already done{speed}); {state}"
    )
    typer.echo(f"wrote {out_dir}")


# --------------------------------------------------------------------------------------------- student
@train_app.command("student")
def train_student_cmd(
    kind: str = typer.Option(
        ..., metavar="[spacy|soft]", help="spacy (hard labels, spaCy NER) or soft (BiLSTM on probabilities)."
    ),
    labelled: Path | None = typer.Option(None, help="Teacher-labelled set (default: <workdir>/labelled)."),
    data: Path | None = typer.Option(None, help=DATA_HELP + " Its test split evaluates the student."),
    out: Path | None = typer.Option(None, help="Model directory (default: <workdir>/models/student-KIND)."),
    epochs: int = typer.Option(15, min=1, help="Maximum epochs."),
    alpha: float = typer.Option(
        0.5, min=0.0, max=1.0, help="soft: weight of the hard-label loss (rest: KL)."
    ),
    temperature: float = typer.Option(2.0, min=0.01, help="soft: temperature of the teacher distributions."),
    seed: int = typer.Option(0, help="Random seed."),
    threads: int | None = typer.Option(None, min=1, help="soft: CPU threads for torch (default: torch's)."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help=PICKLE_HELP),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the evaluation on the test split."),
) -> None:
    """Train a distilled student on the teacher-labelled augmented set."""
    if kind not in ("spacy", "soft"):
        raise fail(f"--kind {kind!r}: expected spacy or soft")
    settings = get_settings()
    labelled_dir = labelled or settings.workdir / "labelled"
    out_dir = out or settings.models_dir / f"student-{kind}"
    from training.label import iter_labelled, read_index

    try:
        index = read_index(labelled_dir)
        labels = [t[2:] for t in index["tags"] if t.startswith("B-")]
        records = iter_labelled(labelled_dir)
        if kind == "spacy":
            from training.student_spacy import SpacyStudentConfig, train_spacy_student

            r = train_spacy_student(SpacyStudentConfig(epochs=epochs, seed=seed), records, labels, out_dir)
            typer.echo(
                f"student-spacy: {r.train_texts} texts, {r.steps} steps, {r.seconds:.1f} s, "
                f"best dev F1 {_fmt(r.best_dev_f1)}"
            )
        else:
            from training.student_soft import SoftStudentConfig, train_soft_student

            cfg = SoftStudentConfig(
                epochs=epochs, alpha=alpha, temperature=temperature, seed=seed, threads=threads
            )
            m = train_soft_student(cfg, records, labels, out_dir)
            typer.echo(
                f"student-soft: {m.n_train} texts, {m.steps} steps, {m.seconds:.1f} s, "
                f"{m.parameters} parameters, {m.size_bytes / 1e6:.2f} MB"
            )
        data_dir = data or settings.dataset_dir
        if not no_eval and (Path(data_dir) / "text_test.npy").is_file():
            _evaluate(out_dir, _load_data(data_dir, allow_pickle), data_dir)
    except STAGE_ERRORS as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {out_dir}")


# ------------------------------------------------------------------------------------------------- all
@train_app.command("all")
def train_all_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    bert: str | None = typer.Option(None, help="BERT directory or hub name (default: the offline MiniLM)."),
    teacher_epochs: int = typer.Option(15, min=1, help="Teacher epochs (early stopping)."),
    teacher_max_texts: int | None = typer.Option(None, min=1, help="Cap on teacher training texts."),
    baseline_epochs: int | None = typer.Option(None, min=1, help="Baseline epochs (config default: 15)."),
    n_iter: int = typer.Option(50, min=0, help="Augmented variants per training text."),
    student_epochs: int = typer.Option(15, min=1, help="Epochs of both students."),
    seed: int = typer.Option(0, help="Random seed of every stage."),
    threads: int | None = typer.Option(None, min=1, help="CPU threads for torch (default: torch's)."),
    no_baseline: bool = typer.Option(False, "--no-baseline", help="Skip the spaCy baseline."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help=PICKLE_HELP),
) -> None:
    """Baseline, teacher, augment, label, both students, evaluation and report, in one go (resumable)."""
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    bert = bert or settings.bert
    _offline(bert)
    from training.augment import AugmentConfig
    from training.distill import DistillConfig, run_distillation
    from training.report import write_report
    from training.student_soft import SoftStudentConfig
    from training.student_spacy import SpacyStudentConfig
    from training.teacher import TeacherConfig

    try:
        if not no_baseline:
            from training.baseline import SpacyTrainConfig, train_baseline

            r = train_baseline(
                data_dir,
                settings.models_dir / "baseline",
                SpacyTrainConfig(seed=seed, epochs=baseline_epochs, allow_pickle=allow_pickle),
            )
            typer.echo(f"baseline: {r.seconds:.1f} s, test F1 {r.metrics.get('f1', float('nan')):.3f}")
        cfg = DistillConfig(
            teacher=TeacherConfig(
                bert=bert, epochs=teacher_epochs, max_texts=teacher_max_texts, seed=seed, threads=threads
            ),
            augment=AugmentConfig(n_iter=n_iter, seed=seed),
            spacy_student=SpacyStudentConfig(epochs=student_epochs, seed=seed),
            soft_student=SoftStudentConfig(epochs=student_epochs, seed=seed, threads=threads),
        )
        m = run_distillation(
            cfg, data_dir, settings.workdir / "distill", settings.models_dir, allow_pickle=allow_pickle
        )
        for kind, ev in m.evaluations.items():
            typer.echo(f"{kind}: test F1 {ev['f1']:.3f}, {ev['size_bytes'] / 1e6:.1f} MB")
        if m.skipped:
            typer.echo(f"unchanged, skipped: {', '.join(m.skipped)}")
        model_dirs = [
            settings.models_dir / k
            for k in ("baseline", "teacher", *m.students)
            if (settings.models_dir / k / "metrics.json").is_file()
        ]
        report = write_report(model_dirs, settings.reports_dir)
    except STAGE_ERRORS as exc:
        raise fail(str(exc)) from None
    typer.echo(Path(report.markdown).read_text(encoding="utf-8"))
    typer.echo(f"wrote {report.markdown}")

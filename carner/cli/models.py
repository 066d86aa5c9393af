"""`carner train teacher`, `carner augment`, `carner label`, `carner train student`, `carner train all`.

Thin shells over training.teacher / augment / label / student_* / chain: parse options, take their
defaults from the training plan (`training.plan.RESEARCH_PLAN`) and paths from settings, call the
stage function, record trained models in the registry, print a one-screen summary.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from carner.cli.app import app, fail, train_app
from carner.cli.train import model_out, register
from carner.common.settings import get_settings
from carner.training.plan import LABEL_EXECUTORS, RESEARCH_PLAN, TrainPlan

PLAN = RESEARCH_PLAN  # every default below is the plan's

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
    from carner.training.npy_io import DatasetError, load_npy_dataset

    try:
        return load_npy_dataset(data_dir, allow_pickle=allow_pickle)
    except DatasetError as exc:
        raise fail(str(exc)) from None


def _evaluate(model_dir: Path, ds: Any, data_dir: Path, speed: bool = True) -> None:
    if not ds.test_texts:
        return
    from carner.cli.train import _print_eval
    from carner.training.evaluate import evaluate_on_dataset

    metrics = evaluate_on_dataset(model_dir, data_dir, speed=speed)
    _print_eval(str(model_dir), metrics if speed else {**metrics, "speed": {}})


# --------------------------------------------------------------------------------------------- teacher
@train_app.command("teacher")
def train_teacher_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path | None = typer.Option(None, help="Model directory (default: <workdir>/models/teacher/<key>)."),
    bert: str | None = typer.Option(
        None, help="BERT directory or hub name (default: CARNER_BERT, else the offline MiniLM package)."
    ),
    epochs: int = typer.Option(
        PLAN.teacher_epochs, min=1, help="Maximum epochs (early stopping on a validation split)."
    ),
    batch_size: int = typer.Option(PLAN.teacher_batch_size, min=1, help="Texts per optimiser step."),
    learning_rate: float = typer.Option(
        PLAN.teacher_learning_rate, min=0.0, help="AdamW peak learning rate (after warm-up)."
    ),
    dropout: float = typer.Option(
        PLAN.teacher_dropout, min=0.0, max=0.99, help="Classifier dropout (the research's 0.5)."
    ),
    encoder_dropout: float = typer.Option(
        PLAN.teacher_encoder_dropout,
        min=0.0,
        max=0.99,
        help="Hidden/attention dropout inside BERT (0.5 as in the research cut F1 to 0.56 from 0.91 here).",
    ),
    max_texts: int | None = typer.Option(
        PLAN.teacher_max_texts, min=1, help="Train on at most this many texts (demo)."
    ),
    patience: int = typer.Option(
        PLAN.teacher_patience, min=1, help="Epochs without a better validation F1 before stopping."
    ),
    seed: int = typer.Option(0, help="Random seed (weights init, shuffling, validation split)."),
    device: str | None = typer.Option(None, help="cpu or cuda (default: CUDA when available)."),
    threads: int | None = typer.Option(None, min=1, help="CPU threads for torch (default: torch's)."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help=PICKLE_HELP),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the evaluation on the test split."),
    no_speed: bool = typer.Option(
        False, "--no-speed", help="Evaluate without timing the model (size and F1 only; faster)."
    ),
) -> None:
    """Fine-tune the BERT teacher (token classification) on the dataset's training split."""
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    bert = bert or settings.bert
    _offline(bert)
    ds = _load_data(data_dir, allow_pickle)
    from carner.training.teacher import TeacherConfig, train_teacher

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
        out_dir = out or model_out(settings.workdir, "teacher", data_dir, cfg)
        m = train_teacher(cfg, ds.train_texts, ds.train_spans, ds.labels, out_dir)
        typer.echo(
            f"teacher: {m.n_train} train / {m.n_val} validation texts, {m.epochs_run} epochs "
            f"(best {m.best_epoch}, val F1 {_fmt(m.best_val_f1)}), "
            f"{m.seconds_per_epoch:.1f} s/epoch on {m.device}, {m.size_bytes / 1e6:.1f} MB"
        )
        if not no_eval:
            _evaluate(out_dir, ds, data_dir, speed=not no_speed)
    except STAGE_ERRORS as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {out_dir}")
    register(settings.database_url, out_dir, data_dir)


# --------------------------------------------------------------------------------------------- augment
@app.command("augment")
def augment_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path | None = typer.Option(None, help="Output directory (default: <workdir>/augmented)."),
    n_iter: int = typer.Option(
        PLAN.augment_n_iter, min=0, help="Variants per training text (Tang et al.: 50; 4k -> 200k)."
    ),
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
    from carner.training.augment import AugmentConfig, augment

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
    teacher: str = typer.Option(
        "teacher", help="Teacher model directory, or `teacher`: the registry's champion (else newest)."
    ),
    input: Path | None = typer.Option(
        None, "--input", help="Augmented JSONL file or its directory (default: <workdir>/augmented)."
    ),
    out: Path | None = typer.Option(None, help="Output directory (default: <workdir>/labelled)."),
    chunk_size: int = typer.Option(
        PLAN.label_chunk_size, min=1, help="Texts per chunk file (the unit of resumption)."
    ),
    batch_size: int = typer.Option(PLAN.label_batch_size, min=1, help="Texts per teacher forward pass."),
    executor: str = typer.Option(
        PLAN.label_executor,
        "--label-executor",
        help="local (this process) or dask (worker processes over the same chunks).",
    ),
    workers: int | None = typer.Option(None, min=1, help="dask: worker processes (default: CPUs)."),
    max_chunks: int | None = typer.Option(None, min=1, help="Stop after this many new chunks."),
    restart: bool = typer.Option(
        False, "--restart", help="Discard chunks made from another input or teacher."
    ),
    device: str | None = typer.Option(None, help="cpu or cuda (default: CUDA when available)."),
    threads: int | None = typer.Option(None, min=1, help="CPU threads for torch (default: torch's)."),
) -> None:
    """Label the augmented set with the teacher (spans + per-word probabilities), resumably in chunks."""
    if executor not in LABEL_EXECUTORS:
        raise fail(f"--label-executor {executor!r}: expected {' or '.join(LABEL_EXECUTORS)}")
    settings = get_settings()
    in_path = input or settings.workdir / "augmented"
    out_dir = out or settings.workdir / "labelled"
    _offline(None)
    from carner.training.label import LabelConfig, label_file
    from carner.training.registry import resolve_model

    try:
        teacher_dir = resolve_model(settings.database_url, teacher)
        cfg = LabelConfig(
            chunk_size=chunk_size, batch_size=batch_size, restart=restart, max_chunks=max_chunks
        )
        if executor == "dask":
            from carner.training.label_dask import label_file_dask

            m = label_file_dask(cfg, teacher_dir, in_path, out_dir, workers=workers, threads=threads)
        else:
            from carner.training.teacher import TeacherModel

            model = TeacherModel(teacher_dir, device=device, batch_size=batch_size, threads=threads)
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
    out: Path | None = typer.Option(
        None, help="Model directory (default: <workdir>/models/student-KIND/<key>)."
    ),
    epochs: int | None = typer.Option(
        None,
        min=1,
        help=f"Maximum epochs (default: the plan's, spacy {PLAN.student_epochs}, soft {PLAN.soft_epochs}).",
    ),
    alpha: float = typer.Option(
        0.5, min=0.0, max=1.0, help="soft: weight of the hard-label loss (rest: KL)."
    ),
    temperature: float = typer.Option(2.0, min=0.01, help="soft: temperature of the teacher distributions."),
    seed: int = typer.Option(0, help="Random seed."),
    threads: int | None = typer.Option(None, min=1, help="soft: CPU threads for torch (default: torch's)."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help=PICKLE_HELP),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the evaluation on the test split."),
    no_speed: bool = typer.Option(
        False, "--no-speed", help="Evaluate without timing the model (size and F1 only; faster)."
    ),
) -> None:
    """Train a distilled student on the teacher-labelled augmented set."""
    if kind not in ("spacy", "soft"):
        raise fail(f"--kind {kind!r}: expected spacy or soft")
    settings = get_settings()
    labelled_dir = labelled or settings.workdir / "labelled"
    data_dir = data or settings.dataset_dir
    from carner.training.identity import key
    from carner.training.label import iter_labelled, read_index

    try:
        index = read_index(labelled_dir)
        labels = [t[2:] for t in index["tags"] if t.startswith("B-")]
        records = iter_labelled(labelled_dir)
        upstream = {"label": key(index["input_sha256"], index["teacher_id"], index["chunk_size"])}
        if kind == "spacy":
            from carner.training.student_spacy import SpacyStudentConfig, train_spacy_student

            cfg_spacy = SpacyStudentConfig(epochs=epochs or PLAN.student_epochs, seed=seed)
            out_dir = out or model_out(settings.workdir, "student-spacy", data_dir, cfg_spacy, upstream)
            r = train_spacy_student(cfg_spacy, records, labels, out_dir)
            typer.echo(
                f"student-spacy: {r.train_texts} texts, {r.steps} steps, {r.seconds:.1f} s, "
                f"best dev F1 {_fmt(r.best_dev_f1)}"
            )
        else:
            from carner.training.student_soft import SoftStudentConfig, train_soft_student

            cfg = SoftStudentConfig(
                epochs=epochs or PLAN.soft_epochs,
                alpha=alpha,
                temperature=temperature,
                seed=seed,
                threads=threads,
            )
            out_dir = out or model_out(settings.workdir, "student-soft", data_dir, cfg, upstream)
            m = train_soft_student(cfg, records, labels, out_dir)
            typer.echo(
                f"student-soft: {m.n_train} texts, {m.steps} steps, {m.seconds:.1f} s, "
                f"{m.parameters} parameters, {m.size_bytes / 1e6:.2f} MB"
            )
        if not no_eval and (Path(data_dir) / "text_test.npy").is_file():
            _evaluate(out_dir, _load_data(data_dir, allow_pickle), data_dir, speed=not no_speed)
    except STAGE_ERRORS as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {out_dir}")
    register(settings.database_url, out_dir, data_dir)


# ------------------------------------------------------------------------------------------------- all
@train_app.command("all")
def train_all_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    bert: str | None = typer.Option(None, help="BERT directory or hub name (default: the offline MiniLM)."),
    teacher_epochs: int | None = typer.Option(
        None, min=1, help=f"Teacher epochs, early stopping (default: the plan's, {PLAN.teacher_epochs})."
    ),
    teacher_max_texts: int | None = typer.Option(None, min=1, help="Cap on teacher training texts."),
    baseline_epochs: int | None = typer.Option(
        None, min=1, help=f"Baseline epochs (default: the plan's, {PLAN.baseline_epochs})."
    ),
    n_iter: int | None = typer.Option(
        None,
        min=0,
        help=f"Augmented variants per training text (default: the plan's, {PLAN.augment_n_iter}).",
    ),
    student_epochs: int | None = typer.Option(
        None, min=1, help=f"Epochs of the spaCy student (default: the plan's, {PLAN.student_epochs})."
    ),
    soft_epochs: int | None = typer.Option(
        None, min=1, help=f"Epochs of the soft-label student (default: the plan's, {PLAN.soft_epochs})."
    ),
    seed: int | None = typer.Option(None, help=f"Random seed of every stage (default: {PLAN.seed})."),
    threads: int | None = typer.Option(None, min=1, help="CPU threads for torch (default: torch's)."),
    speed_texts: int | None = typer.Option(
        None, min=1, help=f"Texts timed for the CPU speed figures (default: {PLAN.speed_texts})."
    ),
    label_executor: str | None = typer.Option(
        None, "--label-executor", help="Teacher labelling: local (default) or dask (worker processes)."
    ),
    label_workers: int | None = typer.Option(None, min=1, help="dask: worker processes (default: CPUs)."),
    demo_scale: bool = typer.Option(
        False, "--demo-scale", help="The demo's plan (short training); options above still override it."
    ),
    no_baseline: bool = typer.Option(False, "--no-baseline", help="Skip the spaCy baseline."),
    no_promote: bool = typer.Option(False, "--no-promote", help="Record the models, promote none."),
    no_speed: bool = typer.Option(
        False, "--no-speed", help="Evaluate without timing the model (size and F1 only; faster)."
    ),
) -> None:
    """Baseline, teacher, augment, label, both students, evaluation and report, in one go.

    Runs the training chain (`training.chain`), the same steps the `train-models` flow runs: an
    unchanged step is skipped, a killed one resumes; models land in <workdir>/models/<kind>/<key>
    and are recorded in the registry. Options not given keep the plan's values.
    """
    if label_executor is not None and label_executor not in LABEL_EXECUTORS:
        raise fail(f"--label-executor {label_executor!r}: expected {' or '.join(LABEL_EXECUTORS)}")
    from carner.training.plan import DEMO_PLAN

    settings = get_settings()
    data_dir = data or settings.dataset_dir
    bert = bert or settings.bert
    _offline(bert)
    options = {
        "teacher_epochs": teacher_epochs,
        "teacher_max_texts": teacher_max_texts,
        "baseline_epochs": baseline_epochs,
        "augment_n_iter": n_iter,
        "student_epochs": student_epochs,
        "soft_epochs": soft_epochs,
        "seed": seed,
        "speed_texts": speed_texts,
        "label_executor": label_executor,
    }
    given = {name: value for name, value in options.items() if value is not None}
    base = DEMO_PLAN if demo_scale else PLAN
    kinds = [k for k in base.kinds if not (no_baseline and k == "baseline")]
    try:
        plan = TrainPlan.model_validate(
            {
                **base.model_dump(),
                **given,
                "kinds": kinds,
                "bert": bert,
                "threads": threads,
                "label_workers": label_workers,
                "promote": not no_promote,
                "measure_speed": not no_speed,
            }
        )
    except ValueError as exc:
        raise fail(f"invalid plan: {exc}") from None
    from carner.training.chain import run_chain
    from carner.training.report import write_report

    try:
        result = run_chain(plan, data_dir, settings.workdir, db_url=settings.database_url)
        from carner.training.metrics import read_metrics

        for kind, path in result.models.items():
            typer.echo(f"{kind}: test F1 {_fmt(read_metrics(path).f1)} ({path})")
        if result.skipped:
            typer.echo(f"unchanged, skipped: {', '.join(result.skipped)}")
        for d in result.promotions:
            verdict = "champion" if d["promoted"] else "kept champion"
            typer.echo(f"{d['kind']}: {verdict} ({d['reason']})")
        report = write_report(list(result.models.values()), settings.reports_dir)
    except STAGE_ERRORS as exc:
        raise fail(str(exc)) from None
    from carner.cli.tables import print_report

    print_report(report.json, files=[report.markdown])

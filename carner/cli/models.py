"""`carner train teacher`, `carner augment`, `carner label`, `carner train student`, `carner train all`.

Thin shells over the training chain (`training.chain`): each builds a plan from its options (the
plan's values where an option is not given, `carner.cli.steps`) and runs the chain's own step
alone, or every step (`train all`); models are recorded in the registry, and a one-screen summary
is printed.
"""

from __future__ import annotations

from pathlib import Path

import typer

from carner.cli.app import app, fail, train_app
from carner.cli.steps import (
    DATA_HELP,
    PLAN,
    STAGE_ERRORS,
    DemoScaleOption,
    NoEvalOption,
    NoSpeedOption,
    PickleOption,
    PlanFileOption,
    SpeedTextsOption,
    fmt,
    make_plan,
    plan_default,
    print_model_eval,
    print_registered,
    run_alone,
)
from carner.common.offline import offline_env
from carner.common.settings import get_settings
from carner.training.plan import LABEL_EXECUTORS


# --------------------------------------------------------------------------------------------- teacher
@train_app.command("teacher")
def train_teacher_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path | None = typer.Option(None, help="Model directory (default: <workdir>/models/teacher/<key>)."),
    bert: str | None = typer.Option(
        None, help="BERT directory or hub name (default: CARNER_BERT, else the offline MiniLM package)."
    ),
    epochs: int | None = typer.Option(
        None,
        min=1,
        help=plan_default("teacher_epochs", "Maximum epochs (early stopping on a validation split)"),
    ),
    batch_size: int | None = typer.Option(
        None, min=1, help=plan_default("teacher_batch_size", "Texts per optimiser step")
    ),
    learning_rate: float | None = typer.Option(
        None, min=0.0, help=plan_default("teacher_learning_rate", "AdamW peak learning rate (after warm-up)")
    ),
    dropout: float | None = typer.Option(
        None, min=0.0, max=0.99, help=plan_default("teacher_dropout", "Classifier dropout")
    ),
    encoder_dropout: float | None = typer.Option(
        None,
        min=0.0,
        max=0.99,
        help=plan_default(
            "teacher_encoder_dropout",
            "Hidden/attention dropout inside BERT (0.5 as in the research cut F1 to 0.56 from 0.91 here)",
        ),
    ),
    max_texts: int | None = typer.Option(
        None, min=1, help=plan_default("teacher_max_texts", "Train on at most this many texts")
    ),
    patience: int | None = typer.Option(
        None,
        min=1,
        help=plan_default("teacher_patience", "Epochs without a better validation F1 before stopping"),
    ),
    seed: int | None = typer.Option(
        None, help=plan_default("seed", "Random seed (weights init, shuffling, validation split)")
    ),
    device: str | None = typer.Option(None, help="cpu or cuda (default: CUDA when available)."),
    threads: int | None = typer.Option(
        None, min=1, help="CPU threads for torch (default: 1 on any machine)."
    ),
    speed_texts: SpeedTextsOption = None,
    demo_scale: DemoScaleOption = False,
    plan_file: PlanFileOption = None,
    allow_pickle: PickleOption = False,
    no_eval: NoEvalOption = False,
    no_speed: NoSpeedOption = False,
) -> None:
    """Fine-tune the BERT teacher (token classification) on the dataset's training split.

    The chain's teacher step (and its evaluation) alone: where `carner train all` would put it.
    """
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    bert = bert or settings.bert
    offline_env(bert)
    plan = make_plan(
        demo_scale,
        plan_file,
        bert=bert,
        teacher_epochs=epochs,
        teacher_batch_size=batch_size,
        teacher_learning_rate=learning_rate,
        teacher_dropout=dropout,
        teacher_encoder_dropout=encoder_dropout,
        teacher_max_texts=max_texts,
        teacher_patience=patience,
        seed=seed,
        device=device,
        threads=threads,
        speed_texts=speed_texts,
        measure_speed=False if no_speed else None,
        allow_pickle=allow_pickle or None,
    )
    steps = ["teacher"] if no_eval else ["teacher", "eval:teacher"]
    result = run_alone(plan, steps, data_dir, outputs={"teacher": out} if out else None)
    m = result.steps["teacher"].result
    if m:
        typer.echo(
            f"teacher: {m['n_train']} train / {m['n_val']} validation texts, {m['epochs_run']} epochs "
            f"(best {m['best_epoch']}, val F1 {fmt(m['best_val_f1'])}), "
            f"{m['seconds_per_epoch']:.1f} s/epoch on {m['device']}, {m['size_bytes'] / 1e6:.1f} MB"
        )
    print_model_eval(result, "teacher")
    typer.echo(f"wrote {result.steps['teacher'].out}")
    print_registered(result)


# --------------------------------------------------------------------------------------------- augment
@app.command("augment")
def augment_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path | None = typer.Option(None, help="Output directory (default: <workdir>/augmented/<key>)."),
    n_iter: int | None = typer.Option(
        None, min=0, help=plan_default("augment_n_iter", "Variants per training text (Tang et al.: 50)")
    ),
    p_mask: float | None = typer.Option(
        None, min=0.0, max=1.0, help=plan_default("augment_p_mask", "Chance a word becomes the mask token")
    ),
    p_pos: float | None = typer.Option(
        None,
        min=0.0,
        max=1.0,
        help=plan_default(
            "augment_p_pos", "Chance an entity is swapped for another value of its label seen in training"
        ),
    ),
    p_ng: float | None = typer.Option(
        None, min=0.0, max=1.0, help=plan_default("augment_p_ng", "Chance a 2-5 unit window is shuffled")
    ),
    seed: int | None = typer.Option(None, help=plan_default("seed", "Random seed (same seed, same output)")),
    mask_token: str | None = typer.Option(
        None, help=plan_default("augment_mask_token", "The teacher's mask token")
    ),
    demo_scale: DemoScaleOption = False,
    plan_file: PlanFileOption = None,
    allow_pickle: PickleOption = False,
) -> None:
    """Write augmented.jsonl: the training texts and their unique variants, for teacher labelling.

    The chain's augment step alone: where `carner train all` would put it.
    """
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    plan = make_plan(
        demo_scale,
        plan_file,
        augment_n_iter=n_iter,
        augment_p_mask=p_mask,
        augment_p_pos=p_pos,
        augment_p_ng=p_ng,
        augment_mask_token=mask_token,
        seed=seed,
        allow_pickle=allow_pickle or None,
    )
    result = run_alone(plan, ["augment"], data_dir, outputs={"augment": out} if out else None)
    m = result.steps["augment"].result
    if m:
        typer.echo(
            f"augment: {m['n_input']} texts -> {m['n_written']} unique lines ({m['n_duplicates']} "
            f"duplicates dropped; {m['n_masked_words']} masked words, {m['n_substituted']} "
            f"substitutions, {m['n_shuffled']} shuffles) in {m['seconds']:.1f} s"
        )
    typer.echo(f"wrote {result.steps['augment'].out}")


# ----------------------------------------------------------------------------------------------- label
@app.command("label")
def label_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    teacher: str | None = typer.Option(
        None,
        help="Teacher model directory, or `teacher`: the registry's champion (else newest) "
        "(default: the plan's teacher, as `carner train teacher` made it).",
    ),
    input: Path | None = typer.Option(
        None,
        "--input",
        help="Augmented JSONL file or its directory (default: the plan's, as `carner augment` made it).",
    ),
    out: Path | None = typer.Option(None, help="Output directory (default: <workdir>/labelled/<key>)."),
    chunk_size: int | None = typer.Option(
        None, min=1, help=plan_default("label_chunk_size", "Texts per chunk file (the unit of resumption)")
    ),
    batch_size: int | None = typer.Option(
        None, min=1, help=plan_default("label_batch_size", "Texts per teacher forward pass")
    ),
    executor: str | None = typer.Option(
        None,
        "--label-executor",
        help=plan_default("label_executor", "local (this process) or dask (worker processes, same chunks)"),
    ),
    workers: int | None = typer.Option(None, min=1, help="dask: worker processes (default: CPUs)."),
    max_chunks: int | None = typer.Option(None, min=1, help="Stop after this many new chunks."),
    restart: bool | None = typer.Option(
        None,
        "--restart/--no-restart",
        help=plan_default("label_restart", "Discard chunks made from another input or teacher"),
    ),
    device: str | None = typer.Option(None, help="cpu or cuda (default: CUDA when available)."),
    threads: int | None = typer.Option(None, min=1, help="CPU threads for torch (default: torch's)."),
    seed: int | None = typer.Option(None, help=plan_default("seed", "The plan's seed (decides its inputs)")),
    demo_scale: DemoScaleOption = False,
    plan_file: PlanFileOption = None,
) -> None:
    """Label the augmented set with the teacher (spans + per-word probabilities), resumably in chunks.

    The chain's label step alone: its inputs are the plan's teacher and augmented set unless given.
    """
    if executor is not None and executor not in LABEL_EXECUTORS:
        raise fail(f"--label-executor {executor!r}: expected {' or '.join(LABEL_EXECUTORS)}")
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    offline_env(None)
    given: dict[str, Path] = {}
    if teacher is not None:
        from carner.training.registry import resolve_model

        try:
            given["teacher"] = resolve_model(settings.database_url, teacher)
        except FileNotFoundError as exc:
            raise fail(str(exc)) from None
    if input is not None:
        if not input.exists():
            raise fail(f"{input}: no such input file")
        given["augment"] = input
    plan = make_plan(
        demo_scale,
        plan_file,
        label_chunk_size=chunk_size,
        label_batch_size=batch_size,
        label_executor=executor,
        label_workers=workers,
        label_max_chunks=max_chunks,
        label_restart=restart,
        device=device,
        threads=threads,
        seed=seed,
    )
    result = run_alone(plan, ["label"], data_dir, given=given, outputs={"label": out} if out else None)
    m = result.steps["label"].result
    if m:
        state = "complete" if m["complete"] else "incomplete: run again to resume"
        speed = f", {m['texts_per_second']:.0f} texts/s" if m["texts_per_second"] else ""
        typer.echo(
            f"label: {m['n_texts']} texts in {m['n_chunks']} chunks ({m['chunks_labelled']} labelled now, "
            f"{m['chunks_skipped']} already done{speed}); {state}"
        )
    typer.echo(f"wrote {result.steps['label'].out}")


# --------------------------------------------------------------------------------------------- student
@train_app.command("student")
def train_student_cmd(
    kind: str = typer.Option(
        ..., metavar="[spacy|soft]", help="spacy (hard labels, spaCy NER) or soft (BiLSTM on probabilities)."
    ),
    labelled: Path | None = typer.Option(
        None, help="Teacher-labelled set (default: the plan's, as `carner label` made it)."
    ),
    data: Path | None = typer.Option(
        None, help=DATA_HELP + " Its gold dev slice picks the checkpoint; its test split evaluates."
    ),
    out: Path | None = typer.Option(
        None, help="Model directory (default: <workdir>/models/student-KIND/<key>)."
    ),
    epochs: int | None = typer.Option(
        None,
        min=1,
        help=f"Maximum epochs (default: the plan's, spacy {PLAN.student_epochs}, soft {PLAN.soft_epochs}).",
    ),
    alpha: float | None = typer.Option(
        None,
        min=0.0,
        max=1.0,
        help=plan_default("soft_alpha", "soft: weight of the hard-label loss (rest: KL)"),
    ),
    temperature: float | None = typer.Option(
        None,
        min=0.01,
        help=plan_default("soft_temperature", "soft: temperature of the teacher distributions"),
    ),
    seed: int | None = typer.Option(None, help=plan_default("seed", "Random seed")),
    threads: int | None = typer.Option(
        None, min=1, help="soft: CPU threads for torch (default: 1 on any machine)."
    ),
    speed_texts: SpeedTextsOption = None,
    demo_scale: DemoScaleOption = False,
    plan_file: PlanFileOption = None,
    allow_pickle: PickleOption = False,
    no_eval: NoEvalOption = False,
    no_speed: NoSpeedOption = False,
) -> None:
    """Train a distilled student on the teacher-labelled augmented set.

    The chain's student step (and its evaluation) alone, with the gold dev set of the dataset.
    """
    if kind not in ("spacy", "soft"):
        raise fail(f"--kind {kind!r}: expected spacy or soft")
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    name = f"student-{kind}"
    given: dict[str, Path] = {}
    if labelled is not None:
        from carner.training.label import read_index

        try:
            read_index(labelled)
        except STAGE_ERRORS as exc:
            raise fail(str(exc)) from None
        given["label"] = labelled
    plan = make_plan(
        demo_scale,
        plan_file,
        student_epochs=epochs if kind == "spacy" else None,
        soft_epochs=epochs if kind == "soft" else None,
        soft_alpha=alpha,
        soft_temperature=temperature,
        seed=seed,
        threads=threads,
        speed_texts=speed_texts,
        measure_speed=False if no_speed else None,
        allow_pickle=allow_pickle or None,
    )
    steps = [name] if no_eval else [name, f"eval:{name}"]
    result = run_alone(plan, steps, data_dir, given=given, outputs={name: out} if out else None)
    r = result.steps[name].result
    if r and kind == "spacy":
        typer.echo(
            f"student-spacy: {r['train_texts']} texts, {r['steps']} steps, {r['seconds']:.1f} s, "
            f"best dev F1 {fmt(r['best_dev_f1'])}"
        )
    elif r:
        typer.echo(
            f"student-soft: {r['n_train']} texts, {r['steps']} steps, {r['seconds']:.1f} s, "
            f"{r['parameters']} parameters, {r['size_bytes'] / 1e6:.2f} MB"
        )
    print_model_eval(result, name)
    typer.echo(f"wrote {result.steps[name].out}")
    print_registered(result)


# ------------------------------------------------------------------------------------------------- all
@train_app.command("all")
def train_all_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    bert: str | None = typer.Option(None, help="BERT directory or hub name (default: the offline MiniLM)."),
    teacher_epochs: int | None = typer.Option(
        None, min=1, help=plan_default("teacher_epochs", "Teacher epochs, early stopping")
    ),
    teacher_max_texts: int | None = typer.Option(
        None, min=1, help=plan_default("teacher_max_texts", "Cap on teacher training texts")
    ),
    baseline_epochs: int | None = typer.Option(
        None, min=1, help=plan_default("baseline_epochs", "Baseline epochs")
    ),
    n_iter: int | None = typer.Option(
        None, min=0, help=plan_default("augment_n_iter", "Augmented variants per training text")
    ),
    student_epochs: int | None = typer.Option(
        None, min=1, help=plan_default("student_epochs", "Epochs of the spaCy student")
    ),
    soft_epochs: int | None = typer.Option(
        None, min=1, help=plan_default("soft_epochs", "Epochs of the soft-label student")
    ),
    seed: int | None = typer.Option(None, help=plan_default("seed", "Random seed of every stage")),
    threads: int | None = typer.Option(
        None, min=1, help="CPU threads for torch (default: 1 on any machine)."
    ),
    speed_texts: SpeedTextsOption = None,
    label_executor: str | None = typer.Option(
        None,
        "--label-executor",
        help=plan_default("label_executor", "Teacher labelling: local or dask (worker processes)"),
    ),
    label_workers: int | None = typer.Option(None, min=1, help="dask: worker processes (default: CPUs)."),
    demo_scale: DemoScaleOption = False,
    plan_file: PlanFileOption = None,
    no_baseline: bool = typer.Option(False, "--no-baseline", help="Skip the spaCy baseline."),
    no_promote: bool = typer.Option(False, "--no-promote", help="Record the models, promote none."),
    no_speed: NoSpeedOption = False,
) -> None:
    """Baseline, teacher, augment, label, both students, evaluation and report, in one go.

    Runs the training chain (`training.chain`), the same steps the `train-models` flow runs: an
    unchanged step is skipped, a killed one resumes; models land in <workdir>/models/<kind>/<key>
    and are recorded in the registry. Options not given keep the plan's values.
    """
    if label_executor is not None and label_executor not in LABEL_EXECUTORS:
        raise fail(f"--label-executor {label_executor!r}: expected {' or '.join(LABEL_EXECUTORS)}")
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    plan = make_plan(
        demo_scale,
        plan_file,
        bert=bert,
        teacher_epochs=teacher_epochs,
        teacher_max_texts=teacher_max_texts,
        baseline_epochs=baseline_epochs,
        augment_n_iter=n_iter,
        student_epochs=student_epochs,
        soft_epochs=soft_epochs,
        seed=seed,
        threads=threads,
        speed_texts=speed_texts,
        measure_speed=False if no_speed else None,
        label_executor=label_executor,
        label_workers=label_workers,
        promote=False if no_promote else None,
    )
    if no_baseline:
        plan = plan.model_copy(update={"kinds": [k for k in plan.kinds if k != "baseline"]})
    offline_env(plan.bert)
    from carner.training.chain import run_chain
    from carner.training.report import write_report

    try:
        result = run_chain(plan, data_dir, settings.workdir, db_url=settings.database_url)
        from carner.training.metrics import read_metrics

        for kind, path in result.models.items():
            typer.echo(f"{kind}: test F1 {fmt(read_metrics(path).f1)} ({path})")
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

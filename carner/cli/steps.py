"""What every training command shares: a plan from options, one run of the chain's own steps.

A command that runs one step (`carner train baseline|teacher|student`, `augment`, `label`) builds a
`TrainPlan` (the research plan, or the demo's with `--demo-scale`, with the options given on top)
and runs that step of `training.chain` alone: same key, same directory, same inputs (the gold dev
set for the students) as `carner train all` or the flows would use, so a later `train all` finds it
done. Options left out keep the plan's value, which `--help` shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from carner.cli.app import fail
from carner.common.settings import get_settings
from carner.training.plan import DEMO_PLAN, RESEARCH_PLAN, TrainPlan

PLAN = RESEARCH_PLAN
STAGE_ERRORS = (FileNotFoundError, ValueError, KeyError, RuntimeError, OSError)
DATA_HELP = "Dataset directory with the four npy files (default: CARNER_WORKDIR, i.e. data/)."
PICKLE_HELP = "Accept pickled object arrays in the npy files (runs code from the file: trusted files only)."
DEMO_HELP = "Start from the demo's plan (short training) instead of the research plan; options still apply."
PLAN_HELP = (
    "A training plan as JSON (any TrainPlan fields, e.g. the one `carner train all` ran), over the "
    "research plan (or the demo's); options still apply. Steps run alone find their inputs by it."
)

# The options every training door shares, declared once.
DemoScaleOption = Annotated[bool, typer.Option("--demo-scale", help=DEMO_HELP)]
PlanFileOption = Annotated[Path | None, typer.Option("--plan", help=PLAN_HELP)]
PickleOption = Annotated[bool, typer.Option("--allow-pickle", help=PICKLE_HELP)]
NoSpeedOption = Annotated[
    bool, typer.Option("--no-speed", help="Evaluate without timing the model (size and F1 only; faster).")
]


def plan_default(field: str, text: str) -> str:
    """Help text ending with the plan's value of `field`, so --help shows the one default."""
    value = getattr(PLAN, field)
    return f"{text} (default: the plan's {'none' if value is None else value})."


SpeedTextsOption = Annotated[
    int | None, typer.Option(min=1, help=plan_default("speed_texts", "Texts timed for the CPU speed figures"))
]
NoEvalOption = Annotated[bool, typer.Option("--no-eval", help="Skip the evaluation on the test split.")]


def make_plan(demo_scale: bool = False, plan_file: Path | None = None, **values: Any) -> TrainPlan:
    """The plan a command runs: the research (or demo) plan, CARNER_BERT, the `--plan` file, then
    the options that were given (None: not given, the value below stays)."""
    from carner.training.artifacts import read_json

    fields = (DEMO_PLAN if demo_scale else PLAN).model_dump()
    bert = get_settings().bert
    if bert is not None:
        fields["bert"] = bert
    if plan_file is not None:
        try:
            from_file = read_json(plan_file)
            if not isinstance(from_file, dict):
                raise ValueError("expected a JSON object of plan fields")
            fields = TrainPlan.model_validate({**fields, **from_file}).model_dump()
        except (ValueError, OSError) as exc:
            message = " ".join(str(exc).split())
            raise fail(message if str(plan_file) in message else f"{plan_file}: {message}") from None
    fields.update({k: v for k, v in values.items() if v is not None})
    try:
        return TrainPlan.model_validate(fields)
    except ValueError as exc:
        raise fail(f"invalid plan: {' '.join(str(exc).split())}") from None


def run_alone(
    plan: TrainPlan,
    steps: Iterable[str],
    data_dir: Path,
    *,
    given: Mapping[str, Path] | None = None,
    outputs: Mapping[str, Path] | None = None,
) -> Any:
    """Run `steps` of the chain alone (see `training.chain.run_chain`'s `only`) and record the models
    they train in the registry; a one-line error for bad input."""
    from carner.training.chain import run_chain

    settings = get_settings()
    try:
        result = run_chain(
            plan,
            data_dir,
            settings.workdir,
            db_url=settings.database_url,
            only=list(steps),
            given=given,
            outputs=outputs,
        )
    except STAGE_ERRORS as exc:
        raise fail(str(exc)) from None
    for name, outcome in result.steps.items():
        if outcome.skipped and not name.startswith("eval:"):
            typer.echo(f"{name}: unchanged for this plan, skipped ({outcome.out})")
    return result


def print_registered(result: Any) -> None:
    decisions = {d["kind"]: d for d in result.promotions}
    for kind, run_id in result.registered.items():
        verdict = ""
        if kind in decisions:
            d = decisions[kind]
            verdict = f"; {'champion' if d['promoted'] else 'not champion'} ({d['reason']})"
        typer.echo(f"registered {kind} as model run #{run_id}{verdict}")


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def print_eval(name: str, m: dict[str, Any]) -> None:
    speed = m.get("speed") or {}
    timing = (  # no speed figures when the model was not timed (--no-speed)
        f", {speed['texts_per_s_batch1']:.0f} texts/s (batch 1), "
        f"{speed.get('texts_per_s_batch64', 0):.0f} texts/s (batch 64)"
        if speed.get("texts_per_s_batch1")
        else ""
    )
    typer.echo(
        f"{name}: micro P/R/F1 {fmt(m['precision'])}/{fmt(m['recall'])}/{fmt(m['f1'])}, "
        f"macro F1 {fmt(m['macro']['f1'])}, {m['size_bytes'] / 1e6:.1f} MB{timing}"
    )
    for label, s in m["per_label"].items():
        typer.echo(
            f"  {label:<14} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  n={s['support']}"
        )


def print_model_eval(result: Any, kind: str) -> None:
    """The evaluation the chain's eval step wrote into the model's metrics.json."""
    path = Path(result.steps[kind].out)
    if f"eval:{kind}" in result.steps and (path / "metrics.json").is_file():
        m = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
        if "f1" in m and "per_label" in m:
            print_eval(str(path), m)

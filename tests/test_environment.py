"""environment.yml (conda) and pyproject.toml (pip) must describe the same environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def normalise(req: str) -> tuple[str, str, str, str]:
    """(name, extras, specifier, marker) of a requirement, in canonical form."""
    r = Requirement(req)
    return (
        canonicalize_name(r.name),
        ",".join(sorted(canonicalize_name(e) for e in r.extras)),
        str(SpecifierSet(str(r.specifier))),
        str(r.marker or ""),
    )


def requirement_set(reqs) -> dict[str, tuple[str, str, str, str]]:
    out = {}
    for req in reqs:
        key = normalise(req)
        assert key[0] not in out, f"{key[0]} listed twice"
        out[key[0]] = key
    return out


def compare(expected: dict, actual: dict) -> list[str]:
    """Human-readable differences between two requirement sets (empty = identical)."""
    problems = []
    for name in sorted(set(expected) - set(actual)):
        problems.append(f"{name}: in pyproject.toml, missing from environment.yml")
    for name in sorted(set(actual) - set(expected)):
        problems.append(f"{name}: in environment.yml, missing from pyproject.toml")
    for name in sorted(set(expected) & set(actual)):
        if expected[name] != actual[name]:
            problems.append(f"{name}: pyproject.toml {expected[name]} != environment.yml {actual[name]}")
    return problems


@pytest.fixture(scope="module")
def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def conda_env() -> dict:
    with open(ROOT / "environment.yml") as fh:
        return yaml.safe_load(fh)


def pyproject_requirements(pyproject: dict) -> dict:
    project = pyproject["project"]
    return requirement_set(project["dependencies"] + project["optional-dependencies"]["test"])


def conda_parts(conda_env: dict) -> tuple[list[str], list[str]]:
    """(conda package specs, pip requirements without the local `-e .`)."""
    conda, pip = [], []
    for dep in conda_env["dependencies"]:
        if isinstance(dep, dict):
            assert set(dep) == {"pip"}, f"unexpected section in environment.yml: {dep}"
            pip += [d for d in dep["pip"] if not d.startswith(("-e", "."))]
        else:
            conda.append(str(dep))
    return conda, pip


def test_pip_packages_and_pins_agree(pyproject, conda_env):
    _, pip = conda_parts(conda_env)
    problems = compare(pyproject_requirements(pyproject), requirement_set(pip))
    assert not problems, "environment.yml and pyproject.toml disagree:\n" + "\n".join(problems)


def test_comparison_detects_mismatches(pyproject):
    """The check above is not vacuous: a changed pin, a missing and an extra package fail."""
    expected = pyproject_requirements(pyproject)
    reqs = pyproject["project"]["dependencies"] + pyproject["project"]["optional-dependencies"]["test"]
    changed = [("torch==2.12.0" if r.startswith("torch") else r) for r in reqs]
    assert any("torch" in p for p in compare(expected, requirement_set(changed)))
    assert any("numpy" in p for p in compare(expected, requirement_set([r for r in reqs if r != "numpy"])))
    assert any("extra-pkg" in p for p in compare(expected, requirement_set(reqs + ["extra-pkg"])))
    unextra = [("dask" if r.startswith("dask") else r) for r in reqs]
    assert any("dask" in p for p in compare(expected, requirement_set(unextra)))


def test_conda_python_and_pip(pyproject, conda_env):
    conda, _ = conda_parts(conda_env)
    names = {re.split(r"[=<>! ]", spec, maxsplit=1)[0]: spec for spec in conda}
    assert "pip" in names, "environment.yml must install pip"
    assert names.get("python") == "python=3.11", f"expected python=3.11, got {names.get('python')}"
    requires = SpecifierSet(pyproject["project"]["requires-python"])
    assert Version("3.11") in requires, f"python 3.11 does not satisfy requires-python {requires}"
    extra = set(names) - {"python", "pip"}
    assert not extra, f"conda packages outside pip's control would diverge from pyproject: {extra}"


def test_environment_installs_the_package(conda_env):
    pip = next(d["pip"] for d in conda_env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip, "environment.yml should install the helpers package (-e .)"


def test_pins_that_matter(pyproject):
    reqs = pyproject_requirements(pyproject)
    # jupyter-book 2.x cannot build offline and has a different configuration format
    assert reqs["jupyter-book"][2] == "==1.0.4.post1"
    assert reqs["torch"][2].startswith("=="), "torch must be pinned"
    assert reqs["pythia8mc"][2] == "==8.317.2", "later pythia8mc releases compile for an hour"


def test_makefile_installs_the_same_torch(pyproject):
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^TORCH_SPEC\s*\?=\s*(\S+)\s*$", makefile, re.M)
    assert match, "Makefile must define TORCH_SPEC"
    torch = next(r for r in pyproject["project"]["dependencies"] if r.startswith("torch"))
    assert normalise(match.group(1)) == normalise(torch), (
        f"Makefile installs {match.group(1)} but pyproject.toml pins {torch}"
    )


def test_gpu_workflow_can_build_full_on_the_benchmark_files():
    """The GPU workflow's manual input selects the benchmark files: it fetches them, passes
    the data source to `make book`, and uploads the build folder of that data source."""
    root = Path(__file__).resolve().parent.parent
    makefile = (root / "Makefile").read_text()
    assert "DATA_SOURCE ?= generated" in makefile
    assert "--data-source $(DATA_SOURCE)" in makefile
    wf = yaml.safe_load((root / ".github" / "workflows" / "book-gpu.yml").read_text())
    trigger = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    choice = trigger["workflow_dispatch"]["inputs"]["data_source"]
    assert set(choice["options"]) == {"generated", "benchmark"}
    steps = wf["jobs"]["build"]["steps"]
    fetch = next(s for s in steps if "fetch-benchmark" in s.get("run", ""))
    assert fetch["if"] == "env.DATA_SOURCE == 'benchmark'"
    build = next(s for s in steps if "make book" in s.get("run", ""))
    assert "PROFILE=full" in build["run"] and "DATA_SOURCE=$DATA_SOURCE" in build["run"]
    assert "-benchmark" in wf["jobs"]["build"]["env"]["BUILD"]

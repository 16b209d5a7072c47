"""The package's structure: one folder a role, imports pointing down only, no cycles, the
build pipeline apart, and an index (package docstring, README) that lists every folder."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: the layers, lowest first: a module may import its own layer and the layers below it
LAYERS = (
    ("base", ("helpers", "helpers.config", "helpers.cache", "helpers.metrics",
              "helpers.progress", "helpers.sysio", "helpers.published")),
    ("results", ("helpers.results",)),
    ("physics", ("helpers.physics",)),
    ("data", ("helpers.data",)),
    ("preprocessing", ("helpers.preprocessing",)),
    ("models", ("helpers.models",)),
    ("training", ("helpers.training",)),
    ("xai", ("helpers.xai",)),
    ("studies", ("helpers.studies",)),
    ("plots", ("helpers.plots",)),
    ("chapter", ("helpers.notebook",)),
)
#: the build pipeline: imports nothing of the package but the configuration and the cache
#: (whose access record tells the builder what each chapter generated or trained)
BUILD = "helpers.book"
BUILD_MAY_IMPORT = ("helpers.config", "helpers.cache")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(dotted: str, root: Path) -> str:
    """The longest prefix of ``dotted`` that is a module or package of the tree."""
    parts = dotted.split(".")
    while parts:
        candidate = root.joinpath(*parts)
        if candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").is_file():
            return ".".join(parts)
        parts.pop()
    return dotted


def imported_modules(path: Path, root: Path) -> set[str]:
    """Every ``helpers`` module ``path`` imports (at module level or inside functions),
    resolved to the deepest existing module (``from .x import f`` -> ``pkg.x``)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            targets = [f"{prefix}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {resolve(t, root) for t in targets if t == "helpers" or t.startswith("helpers.")}
    found.discard(name)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """``{module: modules it imports}`` of the ``helpers`` package under ``root``."""
    return {module_name(p, root): imported_modules(p, root)
            for p in sorted((root / "helpers").rglob("*.py"))}


def layer_of(module: str) -> int | None:
    """Index in :data:`LAYERS` of the role ``module`` belongs to (``None``: no role).  The
    package itself (``helpers``) is matched exactly, every other entry as a prefix."""
    for k, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or (prefix != "helpers" and module.startswith(prefix + ".")):
                return k
    return None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports from a lower layer into a higher one, and of the build pipeline."""
    out = []
    for module, targets in graph.items():
        if module.startswith(BUILD):
            continue
        for target in sorted(targets):
            if target.startswith(BUILD):
                out.append(f"{module} imports the build pipeline {target}")
            elif None in (layer_of(module), layer_of(target)):
                continue  # a module without a role: test_every_module_has_a_role reports it
            elif layer_of(target) > layer_of(module):
                out.append(f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} "
                           f"({LAYERS[layer_of(target)][0]})")
    return out


def import_cycles(graph: dict[str, set[str]]) -> list[str]:
    """Every cycle found by a depth-first walk, as ``a -> b -> a``."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if target == "helpers" or target not in graph:
                continue  # the package index re-exports nothing
            if state.get(target) == 1:
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [module])
    return cycles


def test_every_module_has_a_role():
    orphans = [m for m in import_graph(ROOT) if layer_of(m) is None and not m.startswith(BUILD)]
    assert not orphans, f"modules outside every role folder: {orphans}"


def test_imports_point_down():
    problems = upward_imports(import_graph(ROOT))
    assert not problems, "imports from a lower layer to a higher one:\n" + "\n".join(problems)


def test_no_import_cycle():
    cycles = import_cycles(import_graph(ROOT))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_checks_catch_an_upward_import_and_a_cycle(tmp_path):
    """A physics module importing a study, which imports it back: both checks fire."""
    for folder, text in (("physics", "from ..studies.b import g\n"),
                         ("studies", "from helpers.physics.a import f\n")):
        (tmp_path / "helpers" / folder).mkdir(parents=True)
        (tmp_path / "helpers" / folder / "__init__.py").write_text("")
        name = "a.py" if folder == "physics" else "b.py"
        (tmp_path / "helpers" / folder / name).write_text(text)
    (tmp_path / "helpers" / "__init__.py").write_text("")
    graph = import_graph(tmp_path)
    assert graph["helpers.physics.a"] == {"helpers.studies.b"}
    assert upward_imports(graph) == ["helpers.physics.a (physics) imports helpers.studies.b (studies)"]
    assert import_cycles(graph) == ["helpers.physics.a -> helpers.studies.b -> helpers.physics.a"]
    (tmp_path / "helpers" / "stray.py").write_text("")
    assert [m for m in import_graph(tmp_path) if layer_of(m) is None] == ["helpers.stray"]


def test_build_pipeline_stands_apart():
    graph = import_graph(ROOT)
    build = {m: t for m, t in graph.items() if m.startswith(BUILD)}
    assert build, "the build pipeline moved: update BUILD"
    outside = sorted(f"{m} -> {t}" for m, targets in build.items() for t in targets
                     if not t.startswith(BUILD) and t not in BUILD_MAY_IMPORT)
    assert not outside, f"the build pipeline imports chapter-side modules: {outside}"
    chapters = sorted((ROOT / "notebooks").glob("*.py"))
    assert chapters
    for chapter in chapters:
        # an import in a code cell (the prose may name the command python -m helpers.book)
        assert not re.search(r"^\s*(?:from|import)\s+helpers\.book\b", chapter.read_text(), re.M), \
            f"{chapter.name} imports the build pipeline"


def test_index_lists_every_folder():
    folders = sorted(p.parent.name for p in (ROOT / "helpers").glob("*/__init__.py"))
    index = (ROOT / "helpers" / "__init__.py").read_text()
    readme = (ROOT / "README.md").read_text()
    for folder in folders:
        assert f"helpers.{folder}" in index, f"helpers/__init__.py does not list helpers.{folder}"
        assert f"helpers/{folder}/" in readme, f"README's layout table lacks helpers/{folder}/"

"""The three layers and their import names.

``oracle/`` (import name ``smale18.oracle``) is what an algorithm may see and the adversaries that choose it;
``verify/`` (``smale18.verify``) is what can be proven; ``app/`` (``smale18.app``) is what is shown (experiments,
demonstrations, tour, report, CLI). Imports go one way, app -> verify -> oracle, and nothing is installed under a
top-level name other than ``smale18`` (so a user's ``verify`` or ``oracle`` package is never shadowed).
"""

import ast
import importlib.metadata
import pathlib
import re
import subprocess
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAYERS = {"oracle": "smale18.oracle", "verify": "smale18.verify", "app": "smale18.app"}
#: what each layer may import from the others
ALLOWED = {"smale18.oracle": set(), "smale18.verify": {"smale18.oracle"},
           "smale18.app": {"smale18.oracle", "smale18.verify"}}
BARE = {"oracle", "verify", "app"}


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = [LAYERS.get(rel.parts[0], rel.parts[0]), *rel.parts[1:]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: pathlib.Path, module: str | None):
    """(line, absolute module name) of every import statement in the file, relative ones resolved, wherever it
    stands (top level or inside a function)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = None
    if module is not None:
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                assert package is not None, f"{path}:{node.lineno}: a relative import outside the package"
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            yield node.lineno, name
            for alias in node.names:  # "from smale18 import app" imports smale18.app
                yield node.lineno, f"{name}.{alias.name}"


def _layer_of(name: str) -> str | None:
    for layer in ALLOWED:
        if name == layer or name.startswith(layer + "."):
            return layer
    return None


PACKAGE_FILES = sorted(p for folder in LAYERS for p in (ROOT / folder).rglob("*.py"))
OTHER_FILES = sorted(p for folder in ("tests", "examples", "benchmarks", "tools")
                     for p in (ROOT / folder).rglob("*.py"))


def test_the_three_layers_are_there():
    assert {p.relative_to(ROOT).parts[0] for p in PACKAGE_FILES} == set(LAYERS)
    for folder in LAYERS:
        assert (ROOT / folder / "__init__.py").is_file()


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_one_way(path):
    module = _module_name(path)
    own = _layer_of(module)
    for line, name in _imports(path, module):
        layer = _layer_of(name)
        assert layer is None or layer == own or layer in ALLOWED[own], \
            f"{path.relative_to(ROOT)}:{line}: {own} imports {name} ({layer} may not be imported from {own})"


@pytest.mark.parametrize("path", PACKAGE_FILES + OTHER_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_bare_top_level_names(path):
    # a bare `import oracle` would load a second copy of the code under another name (or a user's package)
    for line, name in _imports(path, _module_name(path)):
        assert name.split(".")[0] not in BARE, f"{path.relative_to(ROOT)}:{line}: imports {name}; use smale18.{name}"


def _fresh(code: str) -> subprocess.CompletedProcess:
    # a fresh interpreter outside the repository, so the folders oracle/, verify/ and app/ are not on sys.path
    with tempfile.TemporaryDirectory() as cwd:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_the_proven_layers_load_without_the_application():
    code = (
        "import importlib, pkgutil, sys\n"
        "for package in ('smale18.oracle', 'smale18.verify'):\n"
        "    module = importlib.import_module(package)\n"
        "    for info in pkgutil.walk_packages(module.__path__, package + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('oracle', 'verify', 'app')\n"
        "                or m.startswith('smale18.app'))\n"
        "print(sorted(m for m in sys.modules if m.startswith('smale18.')).__len__(), loaded)\n")
    out = _fresh(code)
    assert out.returncode == 0, out.stderr
    count, loaded = out.stdout.split(" ", 1)
    assert int(count) >= 35 and loaded.strip() == "[]", out.stdout


def test_only_smale18_is_installed_at_the_top_level():
    names = {name for name, dists in importlib.metadata.packages_distributions().items() if "smale18" in dists
             and not name.startswith("__editable__")}
    assert names == {"smale18"}


def test_a_public_package_named_verify_is_not_shadowed():
    # .ci/run installs the public `verify` package from PyPI; without it, `import verify` must fail, not find ours
    out = _fresh("import verify; print(verify.__file__)")
    try:
        dist = importlib.metadata.distribution("verify")
    except importlib.metadata.PackageNotFoundError:
        assert out.returncode != 0 and "No module named 'verify'" in out.stderr, out.stdout
    else:
        assert out.returncode == 0, out.stderr
        origin = pathlib.Path(out.stdout.strip()).resolve()
        assert origin != (ROOT / "verify" / "__init__.py").resolve()
        assert origin == pathlib.Path(dist.locate_file("verify/__init__.py")).resolve()


def _map_names(text: str) -> list[str]:
    """Every code name of the proof notes' map, qualified: `smale18.x.y` alone, or `smale18.x`: `a`, `b.c` (then
    smale18.x.a and smale18.x.b.c)."""
    names = set()
    for row in text.splitlines():
        if not row.startswith("|"):
            continue
        for part in row.split(";"):
            names.update(re.findall(r"`(smale18\.[A-Za-z_.0-9]+)`(?!:)", part))
            head = re.search(r"`(smale18\.[A-Za-z_.0-9]+)`: (.*)", part)
            if head:
                names.add(head.group(1))
                cell = head.group(2).split("|")[0]
                names.update(f"{head.group(1)}.{n}" for n in re.findall(r"`([A-Za-z_][A-Za-z_0-9.]*)`", cell))
    return sorted(names)


def test_the_proof_notes_map_names_only_what_exists():
    names = _map_names((ROOT / "proofs_notes" / "README.md").read_text())
    assert len(names) > 60
    # resolved in a fresh interpreter: the longest importable prefix, then attributes; an attribute that only
    # instances have counts if the class's source assigns it (self.name = ...)
    code = ("import importlib, inspect, sys\n"
            "for name in sys.argv[1:]:\n"
            "    parts = name.split('.')\n"
            "    for i in range(len(parts), 1, -1):\n"
            "        try:\n"
            "            obj = importlib.import_module('.'.join(parts[:i]))\n"
            "        except ImportError:\n"
            "            continue\n"
            "        for attr in parts[i:]:\n"
            "            parent, obj = obj, getattr(obj, attr, None)\n"
            "            if obj is None and inspect.isclass(parent) \\\n"
            "                    and f'self.{attr} =' in inspect.getsource(parent):\n"
            "                obj = attr\n"
            "            if obj is None:\n"
            "                break\n"
            "        if obj is None:\n"
            "            print(name)\n"
            "        break\n"
            "    else:\n"
            "        print(name)\n")
    out = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == []


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted((ROOT / "proofs_notes").glob("*.md"))],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_documents_import_the_smale18_names(path):
    # the README's examples run as doctests from the repository's root, where a bare `from oracle import ...` would
    # silently load the folder a second time
    for number, line in enumerate(path.read_text().splitlines(), 1):
        assert not re.match(r"\s*(>>>|\.\.\.)?\s*(from|import) (oracle|verify|app)\b", line), f"{path.name}:{number}"


@pytest.mark.parametrize("first", ["import hypothesis", "import smale18.oracle.strategies",
                                   "from smale18.oracle.strategies import inexact_inputs",
                                   "import smale18.verify.strategies", "import smale18.verify.testing",
                                   "import smale18.app.cli"])
def test_strategies_import_in_any_order(first):
    # Hypothesis loads smale18's entry point while it is itself being imported; whichever module comes first, the
    # strategies import and st.from_type(ExactArray) draws an exact matrix
    out = _fresh(f"{first}\nfrom hypothesis import strategies as st\nfrom smale18.oracle import ExactArray\n"
                 "from smale18.oracle.strategies import inexact_inputs, smale18_instances\n"
                 "print(type(st.from_type(ExactArray).example()).__name__)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() in {"RationalArray", "ProductArray"}


def test_every_module_imports_without_the_optional_libraries():
    # the base install stays lean: the adapters import torch, onnx, onnxruntime, sklearn, skglm (and dask) only when
    # used, so every module of smale18 imports with them made unimportable
    code = (
        "import importlib, importlib.abc, pkgutil, sys\n"
        "BLOCKED = {'torch', 'onnx', 'onnxruntime', 'sklearn', 'skglm', 'dask', 'distributed'}\n"
        "class Blocker(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ModuleNotFoundError(f'{name} is blocked by the test')\n"
        "sys.meta_path.insert(0, Blocker())\n"
        "count = 0\n"
        "for package in ('smale18.oracle', 'smale18.verify', 'smale18.app'):\n"
        "    module = importlib.import_module(package)\n"
        "    for info in pkgutil.walk_packages(module.__path__, package + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "        count += 1\n"
        "print(count)\n")
    out = _fresh(code)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) >= 40
    assert "blocked" not in out.stderr


def test_every_package_folder_is_listed_for_the_wheel():
    # an editable install finds unlisted subpackages through the mapping; a wheel would silently leave them out
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {_module_name(init) for folder in LAYERS for init in (ROOT / folder).rglob("__init__.py")}
    assert folders <= listed, sorted(folders - listed)

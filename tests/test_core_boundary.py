"""The HA-free core imports with `homeassistant` blocked, as a top-level package of its own.

Run in a fresh interpreter, with `core` linked into an empty folder on the path and imported as a
library would be: an import of the integration around it, or of `homeassistant`, fails. (Putting
`custom_components/pyiot` itself on the path would let its `select.py` shadow the standard library.)
"""

import ast
from pathlib import Path
import subprocess
import sys

CORE = Path(__file__).parent.parent / "custom_components" / "pyiot" / "core"

IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys

class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("homeassistant", "custom_components"):
            raise ImportError(f"the core imported {name}")
        return None

sys.meta_path.insert(0, Blocked())
sys.path.insert(0, sys.argv[1])
import core
names = [info.name for info in pkgutil.walk_packages(core.__path__, "core.")]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def test_core_imports_without_home_assistant(tmp_path: Path) -> None:
    (tmp_path / "core").symlink_to(CORE, target_is_directory=True)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", IMPORT_EVERY_MODULE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(list(CORE.rglob("*.py"))) - 1, "every module was imported"


def test_core_uses_only_relative_imports_of_itself() -> None:
    """No absolute import of the integration, even one that the import test would not reach."""
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            offenders += [
                f"{path.relative_to(CORE)}: {name}"
                for name in names
                if name.split(".")[0] in {"homeassistant", "custom_components", "core"}
            ]
            if isinstance(node, ast.ImportFrom) and node.level > len(path.relative_to(CORE).parts):
                offenders.append(f"{path.relative_to(CORE)}: import above core")
    assert offenders == []

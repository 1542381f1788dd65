"""The schedule card: its unit tests (vitest), its type check, and a committed bundle that is current."""

from pathlib import Path
import shutil
import subprocess

ROOT = Path(__file__).parents[3]
FRONTEND = ROOT / "frontend"
BUNDLE = ROOT / "custom_components/pyiot/www/pyiot-schedule-card.js"


def run(*command: str, cwd: Path = FRONTEND) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is needed: scripts/setup installs the frontend toolchain"
    assert (FRONTEND / "node_modules/.bin/vitest").exists(), "run scripts/setup (npm ci in frontend/)"
    return subprocess.run(  # noqa: S603
        list(command), cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_bundle_is_built_from_the_current_sources(tmp_path: Path) -> None:
    result = run("node", "build.mjs", "--outdir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    rebuilt = (tmp_path / BUNDLE.name).read_text(encoding="utf-8")
    assert BUNDLE.read_text(encoding="utf-8") == rebuilt, "run scripts/build-frontend and commit the bundle"
    assert rebuilt.startswith("/* pyiot-schedule-card ")
    assert "pyiot/schedule/subscribe" in rebuilt
    assert "customCards" in rebuilt


def test_the_card_sources_type_check() -> None:
    result = run(str(FRONTEND / "node_modules/.bin/tsc"), "--noEmit")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_card_unit_tests_pass() -> None:
    result = run(str(FRONTEND / "node_modules/.bin/vitest"), "run", "--reporter=dot")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " passed" in result.stdout

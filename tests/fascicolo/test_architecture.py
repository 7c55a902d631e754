"""The layers of docs/architecture.md hold: import-linter keeps the contracts in `.importlinter`, and a
wrong-way import breaks them (so `make lint`, and CI with it, fails)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("fascicolo", "registry", "payments")


def lint_imports(cwd):
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def copy_sources(target):
    """The Python sources of the project's packages and the contracts, nothing else."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("*.pyc", "__pycache__",
                        "locale", "templates", "static"))  # fmt: skip
    shutil.copy(ROOT / ".importlinter", target / ".importlinter")


def test_the_project_keeps_its_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_way_import_breaks_the_layers(tmp_path):
    copy_sources(tmp_path)
    selectors = tmp_path / "registry" / "selectors.py"
    selectors.write_text(selectors.read_text() + "\nfrom fascicolo.dossier import views  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "registry.selectors is not allowed to import fascicolo.dossier" in result.stdout


def test_payments_reaching_into_certificates_internals_breaks_independence(tmp_path):
    copy_sources(tmp_path)
    selectors = tmp_path / "payments" / "selectors.py"
    selectors.write_text(selectors.read_text() + "\nfrom registry.certificates import rendering  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "Payments and certificates meet only through their published modules BROKEN" in result.stdout

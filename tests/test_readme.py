"""The README's two commands work as a newcomer meets them: fresh venv, clean copy of the repo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "the README's two commands are in a bash block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_gives_exactly_two_commands_demo_and_test() -> None:
    assert readme_commands() == ["./dev demo", "./dev test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./dev test" in ci


def clean_copy(destination: Path) -> Path:
    """The repository as a clone would have it: tracked and not-ignored files only."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    # The shared fixtures sit beside the repository, as in CI.
    return destination


def test_readme_demo_command_runs_from_a_clean_copy_in_a_fresh_venv(tmp_path: Path) -> None:
    repo = clean_copy(tmp_path / "slabridge")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    env["SLABRIDGE_VENV"] = str(tmp_path / "venv")
    result = subprocess.run(
        ["bash", "-c", readme_commands()[0] + " --dir " + str(tmp_path / "demo")],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "venv" / "bin" / "slabridge").exists()
    assert (tmp_path / "demo" / "slabridge.yaml").exists()
    assert list((tmp_path / "demo").glob("*.html")), "the demo writes its HTML report"

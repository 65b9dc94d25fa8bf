"""``make test`` says what to install when a program the tests need is missing
(``.ci/test-tools``, run with a PATH that lacks them, then with one that has them)."""

import shutil
import subprocess
from pathlib import Path

from newswatch_devtools.repo import ROOT

SCRIPT = ROOT / ".ci" / "test-tools"
PROGRAMS = ("java", "mvn", "openssl", "promtool", "prometheus", "amtool", "alertmanager")
OPTIONAL = ("node", "npm")


def run_check(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash is not None
    return subprocess.run(
        [bash, str(SCRIPT), *args],
        env={"PATH": str(path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def fake_programs(directory: Path, names: tuple[str, ...]) -> Path:
    directory.mkdir()
    for name in names:
        program = directory / name
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    return directory


def test_missing_programs_are_named_with_the_apt_command(tmp_path: Path) -> None:
    bare = fake_programs(tmp_path / "bin", ("java", "mvn", "openssl"))
    result = run_check(bare)
    assert result.returncode == 1
    assert "promtool (Debian package prometheus)" in result.stderr
    assert "prometheus-alertmanager or alertmanager" in result.stderr
    assert (
        "sudo apt-get install --no-install-recommends prometheus prometheus-alertmanager"
        in result.stderr
    )
    assert "java" not in result.stderr.split("Install them")[0]


def test_packages_mode_lists_each_missing_package_once(tmp_path: Path) -> None:
    result = run_check(fake_programs(tmp_path / "bin", ("java", "mvn", "openssl")), "--packages")
    assert result.returncode == 0
    assert result.stdout.split() == ["prometheus", "prometheus-alertmanager"]


def test_missing_optional_programs_are_named_and_pass(tmp_path: Path) -> None:
    result = run_check(fake_programs(tmp_path / "bin", PROGRAMS))
    assert result.returncode == 0
    assert "node (Debian package nodejs)" in result.stderr
    assert "skipped without it" in result.stderr


def test_nothing_is_said_when_everything_is_there(tmp_path: Path) -> None:
    result = run_check(fake_programs(tmp_path / "bin", PROGRAMS + OPTIONAL))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert run_check(tmp_path / "bin", "--packages").stdout == ""

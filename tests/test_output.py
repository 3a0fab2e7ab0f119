"""sim.output: files are written whole or not at all, never through a symlink, with one line when the disk says no."""

import errno

import pytest

from sim.output import OutputError, write_bytes, write_text, write_with


def test_a_file_is_replaced_whole_and_no_temporary_file_is_left(tmp_path):
    target = tmp_path / "sub" / "summary.csv"
    write_text(target, "a,b\n1,2\n")
    write_bytes(target, b"a,b\n3,4\n")
    assert target.read_text() == "a,b\n3,4\n"
    assert [p.name for p in target.parent.iterdir()] == ["summary.csv"]


def test_a_full_disk_leaves_the_earlier_file_readable_and_says_so_in_one_line(tmp_path):
    target = tmp_path / "weekly.csv"
    write_text(target, "complete\n")

    def half_then_full(f):
        f.write(b"trunc")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match=r"weekly.csv: cannot be written: the disk is full$") as info:
        write_with(target, half_then_full)
    assert "\n" not in str(info.value)
    assert target.read_text() == "complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["weekly.csv"]


def test_a_symlinked_target_is_refused_and_its_destination_untouched(tmp_path):
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("keep me")
    link = tmp_path / "out.csv"
    link.symlink_to(elsewhere)
    with pytest.raises(OutputError, match="symbolic link"):
        write_text(link, "overwritten?")
    assert elsewhere.read_text() == "keep me"


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        write_text(tmp_path, "x")


# ---------------------------------------------------------------- through the command line

import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from sim.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
RUN = ["run", "b2b_activation", "--weeks", "4", "--set", "customers.population=200", "--seeds", "2"]


def test_run_out_refuses_to_write_through_a_symlink(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("keep me\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "weekly.csv").symlink_to(elsewhere)
    assert main([*RUN, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("alignsim: error: ") and "weekly.csv: is a symbolic link" in err and "\n" not in err
    assert elsewhere.read_text() == "keep me\n"


def test_run_out_writes_every_file_whole_and_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "out"
    assert main([*RUN, "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["aggregate.csv", "provenance.json", "scenario.toml", "summary.csv", "weekly.csv", "weekly.parquet"]


def _tiny_disk_can_be_mounted() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"], capture_output=True
    )
    return probe.returncode == 0


tiny_disk = pytest.mark.skipif(not _tiny_disk_can_be_mounted(), reason="needs root and unshare to mount a small tmpfs")


def _on_a_tiny_disk(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    """``script`` (sh) in a private mount namespace where ``$DISK`` is a tmpfs of a few KiB, gone afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    env = {**os.environ, "DISK": str(disk), "PY": sys.executable, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f'mount -t tmpfs -o size=16k tmpfs "$DISK" && {script}'],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )


@tiny_disk
def test_run_out_on_a_full_disk_gives_one_line_and_no_truncated_file(tmp_path):
    run = " ".join([*RUN, "--weeks", "26"])  # a weekly table larger than the disk
    result = _on_a_tiny_disk(
        tmp_path,
        f'$PY -m sim.cli {run} --out "$DISK/out"; echo "exit $?"; '
        'for f in "$DISK"/out/*; do echo "file $(basename "$f") $(wc -c < "$f")"; done; ls -a "$DISK/out"',
    )
    lines = result.stdout.splitlines()
    assert "exit 2" in lines, result
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and "the disk is full" in err[0] and "Traceback" not in result.stderr, result.stderr
    # what was written is whole: scenario.toml and the small tables; the weekly table is absent, not cut short
    written = {line.split()[1]: int(line.split()[2]) for line in lines if line.startswith("file ")}
    assert "weekly.csv" not in written and "scenario.toml" in written
    assert not any(name.endswith(".tmp") for name in lines)


@tiny_disk
def test_calibrate_on_a_full_disk_gives_one_line_and_a_rerun_continues(tmp_path):
    """The study log fills the disk mid-fit: one line saying how to go on; with space again, the same command
    continues from the candidates kept and finishes."""
    observed = tmp_path / "obs.csv"
    observed.write_text("month,releases\n1,3\n2,4\n3,5\n4,4\n")
    command = (
        f'$PY -m sim.cli calibrate {EXAMPLES / "own_org"} --observed {observed} --out "$DISK/org.toml" '
        "--trials 12 --seeds 2 --band-seeds 2 --yes"
    )
    result = _on_a_tiny_disk(
        tmp_path,
        f'head -c 12288 /dev/zero > "$DISK/filler"; {command}; echo "first $?"; '
        f'rm "$DISK/filler"; mount -o remount,size=8m "$DISK"; {command} > /dev/null; echo "second $?"; ls "$DISK"',
    )
    out = result.stdout.splitlines()
    assert "first 2" in out and "second 0" in out, result
    first_error = [line for line in result.stderr.splitlines() if line.startswith("alignsim: error")]
    assert len(first_error) == 1 and "the disk is full" in first_error[0]
    assert "rerun the same command to continue" in first_error[0]
    assert "Traceback" not in result.stderr
    assert {"org.toml", "org_fit.csv", "org_estimates.csv"} <= set(out)


def test_a_new_file_gets_the_permissions_of_a_plain_open_and_a_replaced_one_keeps_its_own(tmp_path):
    """mkstemp makes 0600 files: results a colleague should read came out private (issue 26)."""
    old = os.umask(0o022)
    try:
        write_text(tmp_path / "new.csv", "x\n")
        (tmp_path / "plain.csv").write_text("x\n")
        assert (tmp_path / "new.csv").stat().st_mode & 0o777 == (tmp_path / "plain.csv").stat().st_mode & 0o777 == 0o644
        os.umask(0o027)
        write_text(tmp_path / "group.csv", "x\n")
        assert (tmp_path / "group.csv").stat().st_mode & 0o777 == 0o640
        (tmp_path / "new.csv").chmod(0o600)  # made private by its owner: a rewrite keeps it so
        write_text(tmp_path / "new.csv", "y\n")
        assert (tmp_path / "new.csv").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


def test_an_out_folder_that_is_a_symlink_is_refused(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputError, match=r"out: is a symbolic link; alignsim does not write through links$"):
        write_text(out / "summary.csv", "x\n")
    assert main([*RUN, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err
        == f"alignsim: error: cannot write results: {out}: is a symbolic link; alignsim does not write through links"
    )
    assert list(elsewhere.iterdir()) == []

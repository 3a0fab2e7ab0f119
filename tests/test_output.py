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

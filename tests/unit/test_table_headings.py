"""``parse_mode table`` finds its columns from the header and the rows: headings two or
more blanks apart are two columns, an empty one included (issue 19: the blank was
counted from the previous column's data, so lsblk's empty LABEL joined FSTYPE)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conftest import tstconfig
from tstconfig_plugins.parsers.fixed import cut
from tstconfig_plugins.parsers.table import guess_positions

LSBLK = ("NAME FSTYPE      LABEL UUID\n"
         "sda2 LVM2_member       3klkIj\n"
         "sr0\n")
# lsblk -o NAME,FSTYPE,LABEL,UUID,PARTLABEL,PARTUUID on a VM: no labels, no GPT names.
LSBLK_WIDE = (
    "NAME           FSTYPE      LABEL UUID                                 PARTLABEL PARTUUID\n"
    "vda                                                                             \n"
    "└─vda1         LVM2_member       0b1c6c55-7a42-4f0e-9d59-1b0a3ab5c6d1           \n"
    "  └─vg0-root   ext4              5e0f1d7a-2b6c-4f4e-8f7a-0c2d9e8b7a61           \n")


def names(text: str) -> list[str]:
    header, *rows = text.splitlines()
    return [name.strip() for name in cut(header, guess_positions(header, rows))]


def test_an_empty_column_two_blanks_after_a_heading_is_a_column_of_its_own():
    assert names(LSBLK) == ["NAME", "FSTYPE", "LABEL", "UUID"]


def test_a_heading_with_one_space_over_short_values_is_still_one_heading():
    netstat = ("Proto Recv-Q Send-Q Local Address           Foreign Address         State\n"
               "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN\n")
    assert names(netstat) == ["Proto", "Recv-Q", "Send-Q", "Local Address",
                              "Foreign Address", "State"]


def test_lsblk_reads_by_name_and_by_number(tmp_path):
    (tmp_path / "lsblk.txt").write_text(LSBLK)
    (tmp_path / "d.tstconfig").write_text(
        "file lsblk.txt\nparse_mode table\ncolumns NAME FSTYPE\nproperty sda2\n"
        "assert_eq LVM2_member\n\n"
        "file lsblk.txt\nparse_mode table\ncolumns 0 2 3\nproperty sda2\n"
        "assert_eq \"\" 3klkIj\n")  # (LABEL is empty: not the UUID in its place)
    done = tstconfig("d.tstconfig", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_empty_columns_one_blank_apart_are_one_and_the_error_says_why(tmp_path):
    assert names(LSBLK_WIDE) == ["NAME", "FSTYPE", "LABEL", "UUID", "PARTLABEL PARTUUID"]
    (tmp_path / "lsblk.txt").write_text(LSBLK_WIDE)
    (tmp_path / "d.tstconfig").write_text(
        "file lsblk.txt\nparse_mode table\ncolumns NAME PARTUUID\nproperty └─vda1\n"
        "assert_empty\n")
    done = tstconfig("d.tstconfig", cwd=tmp_path)
    assert done.returncode == 2
    assert ("d.tstconfig:3: columns: no column is named 'PARTUUID'; the columns are 'NAME', "
            "'FSTYPE', 'LABEL', 'UUID', 'PARTLABEL PARTUUID'. 'PARTLABEL PARTUUID' is one "
            "heading here: two headings one blank apart over empty columns cannot be told "
            "from one heading with a space; if they are two columns, give positions to "
            "cut them") in done.stdout
    # positions settle it
    (tmp_path / "d.tstconfig").write_text(
        "file lsblk.txt\nparse_mode table\npositions 0 15 27 33 70 80\n"
        "columns NAME PARTLABEL PARTUUID\nproperty └─vda1\nassert_eq \"\" \"\"\n")
    done = tstconfig("d.tstconfig", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


_HEADING = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ%-_", min_size=1, max_size=8)
_VALUE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789./:", max_size=14)


@st.composite
def tables(draw) -> tuple[str, list[str], list[int]]:
    """A left-aligned table: each heading at its column's start, two or more blanks
    after the heading before it; each value at its column's start, ending at least one
    blank before the next column; some columns empty in every row."""
    count = draw(st.integers(1, 7))
    headings = [draw(_HEADING) for _ in range(count)]
    widths = [len(h) + draw(st.integers(2, 16)) for h in headings]
    empty = [draw(st.booleans()) for _ in range(count)]
    starts = [sum(widths[:i]) for i in range(count)]
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        cells = [("" if empty[i] else draw(_VALUE.filter(lambda v, w=widths[i]: len(v) < w)))
                 for i in range(count)]
        rows.append("".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    header = "".join(h.ljust(w) for h, w in zip(headings, widths)).rstrip()
    return header, rows, starts


@given(tables())
def test_headings_two_blanks_apart_are_always_columns(table):
    header, rows, starts = table
    assert guess_positions(header, rows) == tuple(starts)

"""Landing entries as files: safe to open, safe to name in a message, identified by content.

A landing folder is written by upload tools and by hand; an entry may be a symlink (to anything), a
pipe that blocks whoever opens it, or carry a name that breaks paths, terminals or Windows. Such
entries are rejected (rule F005) without being opened.
"""

from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from pathlib import Path

from orchestration.findings import Finding

MAX_NAME_CHARS = 200
RESERVED_CHARS = '<>:"|?*\\/'
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
SAFE_NAME = (
    f"只含汉字、字母、数字、下划线、短横线和括号，不超过 {MAX_NAME_CHARS} 个字符的文件名（如 BJZZ001_2025.xlsx）"
)


def _invisible(ch: str) -> bool:
    """Control and format characters (incl. right-to-left overrides) and bytes that were not valid UTF-8."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs")


def display_name(name: str) -> str:
    """The name as it may be stored and shown: invisible characters escaped (\\x07, \\u202e), and bytes
    that were not UTF-8 (surrogate escapes from the file system) shown as \\xNN."""
    out = []
    for ch in name:
        if 0xDC80 <= ord(ch) <= 0xDCFF:
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif _invisible(ch):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def safe_file_name(name: str) -> str:
    """A name to write a file under: reserved and invisible characters replaced by "_"."""
    return "".join("_" if ch in RESERVED_CHARS or _invisible(ch) else ch for ch in name)


def name_problem(name: str) -> str | None:
    """What is wrong with a file name, worded for the school; None when it is fine."""
    if any(_invisible(ch) for ch in name):
        return f"文件名「{display_name(name)}」含有控制字符、不可见字符或无法识别的文字编码"
    reserved = sorted({ch for ch in name if ch in RESERVED_CHARS})
    if reserved:
        return f"文件名「{name}」含有不允许的字符「{' '.join(reserved)}」"
    if not name.strip("."):
        return f"文件名「{name}」只由句点组成"
    if len(name) > MAX_NAME_CHARS:
        return f"文件名长 {len(name)} 个字符"
    if name.split(".")[0].strip().upper() in WINDOWS_DEVICES:
        return f"文件名「{name}」是 Windows 保留的设备名"
    return None


def landing_files(folder: Path) -> list[Path]:
    """Entries someone dropped in a landing folder. Office lock files (~$…), hidden files and real
    folders (commission/, explanations/) are not submissions; symlinks and special files are, so
    they get rejected (F005)."""
    if not folder.exists():
        return []
    return sorted(p for p in folder.iterdir() if not _ignored(p))


def _ignored(path: Path) -> bool:
    hidden = (
        path.name.startswith(".") and path.name.strip(".") != ""
    )  # a name of dots only is an odd name, not a hidden file
    return path.name.startswith("~$") or hidden or (path.is_dir() and not path.is_symlink())


def entry_findings(path: Path) -> tuple[list[Finding], bool]:
    """F005 findings of a landing entry, and whether it may be opened at all."""
    unsafe = entry_problem(path)
    if unsafe:  # never opened: a symlink may point anywhere, a pipe blocks its reader
        return [Finding("F005", display_name(path.name), found=unsafe, expected="直接放入的普通文件")], False
    bad_name = name_problem(path.name)
    # a bad name alone does not stop the reading, so the sender sees all problems at once
    return ([Finding("F005", display_name(path.name), found=bad_name, expected=SAFE_NAME)] if bad_name else []), True


def entry_problem(path: Path) -> str | None:
    """A landing entry that must not be opened: a symlink (it may point anywhere) or not a regular file."""
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return f"「{display_name(path.name)}」是符号链接（快捷方式），不是文件本身"
    if not stat.S_ISREG(mode):
        return f"「{display_name(path.name)}」不是普通文件（如管道或设备文件）"
    return None


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def entry_hash(path: Path) -> str:
    """Content hash of a regular file; an entry that must not be opened is identified by its name."""
    if entry_problem(path):
        return hashlib.sha256(b"entry:" + os.fsencode(path.name)).hexdigest()
    return file_hash(path)

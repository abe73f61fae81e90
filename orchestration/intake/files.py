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

MAX_NAME_CHARS = 200
RESERVED_CHARS = '<>:"|?*\\/'
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
SAFE_NAME = f"只含汉字、字母、数字、下划线、短横线和括号，不超过 {MAX_NAME_CHARS} 个字符的文件名（如 BJZZ001_2025.xlsx）"


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

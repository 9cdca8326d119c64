"""Text that crosses Mingle's edges: cleaned on the way in, neutralised on the way out.

Everything people type or upload (names, companies, tags, comments) goes through
``clean_text`` before it is checked or stored: control characters (NUL, vertical tab, escape...)
and unpaired surrogates are removed, since PostgreSQL refuses NUL, XML (so XLSX) refuses most
C0 characters, and none of them means anything in a name. Everything that leaves as a
spreadsheet cell (CSV or XLSX) goes through ``safe_cell``, the one neutraliser: a cell a
spreadsheet would run as a formula is prefixed with an apostrophe, and characters a workbook
cannot hold are dropped, so one odd answer can never break an export.
"""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

# C0 controls, DEL and C1 controls; tab, line feed and carriage return are handled apart.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Unpaired surrogates (from a broken decoder) and the two non-characters at the end of the BMP.
_UNENCODABLE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_SPACES = re.compile(r"[ \t]+")
# OWASP's list for CSV injection: a cell starting with one of these runs as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def clean_text(value: object, multiline: bool = False) -> str:
    """``value`` as storable text: NFC, no control characters, trimmed.

    Args:
        value: what was typed or read from a file (``None`` gives ``""``).
        multiline: keep line breaks (normalised to ``\\n``), for comments; otherwise line
            breaks and tabs become single spaces, for names and other one-line fields.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", _UNENCODABLE.sub("", str(value)))
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROL.sub("", text)
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        return "\n".join(lines).strip()
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def too_long(text: str, limit: int | None) -> str | None:
    """The message when ``text`` is longer than ``limit`` characters, else None."""
    if limit is not None and len(text) > limit:
        return f"is {len(text):,} characters long; at most {limit:,} are allowed"
    return None


def safe_cell(value: object) -> object:
    """A value for a CSV or XLSX cell that a spreadsheet shows as text and never runs.

    Numbers, dates and None pass through; text loses the characters a workbook cannot hold
    and gets a leading apostrophe when it starts like a formula.
    """
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub("", _UNENCODABLE.sub("", value))
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def email_problem(address: str) -> str | None:
    """Why ``address`` is not a usable e-mail address (RFC 5321/5322 syntax), or None.

    email-validator checks the syntax only (no DNS lookups at import time). Quotes, parentheses
    and commas outside a quoted local part are refused, so a spreadsheet formula such as
    ``=hyperlink("http://evil.test/x","a@b.co")`` is never accepted as an address.
    ``test_environment`` allows the reserved ``.test`` domain, which demos and tests use.
    """
    try:
        validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        return str(exc)
    return None

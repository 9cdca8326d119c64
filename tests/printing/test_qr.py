"""The fast mask choice gives exactly qrcode's symbol, whatever the length of the data."""

from __future__ import annotations

import random
import string

import numpy as np
import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_M

from app.services.printing.qr import qr_matrix

ALPHABET = string.ascii_letters + string.digits + "-_/.:?=&%"


def qrcode_symbol(data: str) -> tuple[np.ndarray, int, int]:
    """qrcode's own symbol (its eight rebuilds choosing the mask), version and mask."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    symbol = np.array(code.get_matrix(), dtype=bool)
    return symbol, code.version, code.best_mask_pattern()  # the mask make() chose


@pytest.mark.parametrize("length", [1, 17, 43, 70, 90, 130, 300, 700])
def test_the_symbol_equals_qrcodes(length: int) -> None:
    rng = random.Random(length)
    versions, masks = set(), set()
    for _ in range(12):
        data = "https://mingle.example.org/a/" + "".join(rng.choices(ALPHABET, k=length))
        expected, version, mask = qrcode_symbol(data)
        assert np.array_equal(qr_matrix(data), expected), (data, version, mask)
        versions.add(version)
        masks.add(mask)
    assert len(masks) > 1 or length == 1  # several masks chosen, so the choice is exercised
    if length >= 300:
        assert min(versions) >= 7  # version information blocks are covered too


def test_agenda_links_are_small_symbols() -> None:
    """A 43-character token behind a public URL stays at version 5 or 6 (37 or 41 modules)."""
    url = "https://mingle.example.org/a/" + "x" * 43
    assert qr_matrix(url).shape in ((37, 37), (41, 41))
    followup = url + "/followup/123456"
    assert qr_matrix(followup).shape[0] <= 45

"""QR code modules for print: qrcode's symbol, its mask chosen with numpy instead of eight rebuilds.

A QR encoder tries the eight mask patterns and keeps the one with the lowest penalty (ISO/IEC
18004, 7.8.3). qrcode does that by rebuilding the symbol eight times in pure Python, about
10 ms a code, which was most of the time of printing 2,000 badges. Here qrcode builds the
symbol once with mask 0; the other seven differ only in the data modules (an XOR) and in the
format information, so all eight are derived as one numpy array and scored with qrcode's four
penalty rules at once. The result equals qrcode's own (tests/printing/test_qr.py compares them).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import qrcode
from numpy.lib.stride_tricks import sliding_window_view
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import BCH_type_info, pattern_position

# The finder-like 1:1:3:1:1 runs beside four light modules that the third rule penalises.
FINDER_LIKE = np.array(
    [[1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1]], dtype=bool
)


@cache
def _masks(size: int) -> np.ndarray:
    """The eight mask patterns of a ``size`` x ``size`` symbol, True where a module flips."""
    i, j = np.indices((size, size))
    return np.array(
        [
            (i + j) % 2 == 0,
            i % 2 == 0,
            j % 3 == 0,
            (i + j) % 3 == 0,
            (i // 2 + j // 3) % 2 == 0,
            (i * j) % 2 + (i * j) % 3 == 0,
            ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            ((i * j) % 3 + (i + j) % 2) % 2 == 0,
        ]
    )


def _format_cells(size: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where format bit i goes, twice: (row, col) beside the top-left finder, and the other copy.

    The order is qrcode's ``setup_type_info``: bit i of the 15-bit BCH code, least first.
    """
    cells = []
    for i in range(15):
        vertical = (i, 8) if i < 6 else (i + 1, 8) if i < 8 else (size - 15 + i, 8)
        horizontal = (8, size - i - 1) if i < 8 else (8, 15 - i) if i < 9 else (8, 15 - i - 1)
        cells.append((vertical, horizontal))
    return cells


@cache
def _function_modules(version: int) -> tuple[np.ndarray, np.ndarray]:
    """(every function module, just the format/version information and the dark module).

    Function modules (finders with separators, timing, alignment, format and version
    information) are never masked; the information ones are light while masks are scored.
    """
    size = version * 4 + 17
    fixed = np.zeros((size, size), dtype=bool)
    fixed[:9, :9] = fixed[:9, size - 8 :] = fixed[size - 8 :, :9] = True  # finders, format info
    fixed[6, :] = fixed[:, 6] = True  # timing
    centres = pattern_position(version)
    for row in centres:
        for col in centres:
            if not _in_finder(row, col, size):  # the three corners already hold finders
                fixed[row - 2 : row + 3, col - 2 : col + 3] = True
    info = np.zeros_like(fixed)
    for vertical, horizontal in _format_cells(size):
        info[vertical] = info[horizontal] = True
    info[size - 8, 8] = True  # the dark module
    if version >= 7:
        info[:6, size - 11 : size - 8] = info[size - 11 : size - 8, :6] = True
    return fixed | info, info


def _in_finder(row: int, col: int, size: int) -> bool:
    """Whether (row, col) lies in a finder pattern or its separator."""
    top, left = row < 8, col < 8
    return (top and left) or (top and col >= size - 8) or (row >= size - 8 and left)


def _penalties(symbols: np.ndarray) -> np.ndarray:
    """qrcode's ``lost_point`` of each of the (k, n, n) symbols."""
    count, size, _ = symbols.shape
    lines = np.concatenate([symbols, symbols.transpose(0, 2, 1)], axis=1)  # rows, then columns
    # Rule 1: every run of five or more same-coloured modules scores its length minus two.
    flat = lines.reshape(-1, size)
    edges = np.ones((flat.shape[0], size + 1), dtype=bool)
    edges[:, 1:size] = flat[:, 1:] != flat[:, :-1]
    line, at = np.nonzero(edges)
    same_line = line[1:] == line[:-1]
    lengths = np.diff(at)[same_line]
    owner = line[:-1][same_line] // (2 * size)
    long = lengths >= 5
    rule1 = np.bincount(owner[long], weights=lengths[long] - 2, minlength=count)
    # Rule 2: three for every 2 x 2 block of one colour.
    corner = symbols[:, :-1, :-1]
    block = (
        (corner == symbols[:, 1:, :-1])
        & (corner == symbols[:, :-1, 1:])
        & (corner == symbols[:, 1:, 1:])
    )
    rule2 = 3 * block.sum(axis=(1, 2))
    # Rule 3: forty for every finder-like pattern in a row or column.
    windows = sliding_window_view(lines, 11, axis=2)  # (k, 2n, n - 10, 11)
    found = sum((windows == p).all(axis=3).sum(axis=(1, 2)) for p in FINDER_LIKE)
    # Rule 4: ten for every 5 % the share of dark modules strays from half.
    dark = symbols.sum(axis=(1, 2)) / size**2
    rule4 = np.array([int(abs(d * 100 - 50) / 5) * 10 for d in dark.tolist()])
    return rule1 + rule2 + 40 * found + rule4


def qr_matrix(data: str) -> np.ndarray:
    """The modules (True = dark) of ``data``'s QR code at level M, without the quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=0)
    code.add_data(data)
    code.make(fit=True)
    first = np.array(code.modules, dtype=bool)
    size = first.shape[0]
    function, info = _function_modules(code.version)
    masks = _masks(size)
    symbols = first ^ (~function & (masks ^ masks[0]))
    trial = symbols & ~info  # qrcode scores masks with the information modules light
    best = int(np.argmin(_penalties(trial)))
    symbol = symbols[best]
    bits = BCH_type_info((code.error_correction << 3) | best)
    for i, (vertical, horizontal) in enumerate(_format_cells(size)):
        symbol[vertical] = symbol[horizontal] = bool((bits >> i) & 1)
    return symbol

"""A QR code as an inline SVG, for a link shown on screen (a door link to scan with a phone)."""

from __future__ import annotations

from app.services.printing.qr import qr_matrix

QUIET = 4  # modules of light margin round the symbol, as the standard asks


def qr_svg(data: str, label: str) -> str:
    """An ``<svg>`` element drawing ``data``'s QR code, one path, scaled by its container.

    Args:
        label: the accessible name of the image, e.g. "QR code of the door link".
    """
    modules = qr_matrix(data)
    size = modules.shape[0] + 2 * QUIET
    cells = "".join(
        f"M{col + QUIET} {row + QUIET}h1v1h-1z" for row, col in zip(*modules.nonzero(), strict=True)
    )
    safe_label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" '
        f'aria-label="{safe_label}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{cells}" fill="#000"/></svg>'
    )

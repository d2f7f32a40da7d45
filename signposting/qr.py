"""QR codes of share links, drawn in Python by segno: no external service sees the link."""

import io

import segno

# Longer links make QR codes too dense to scan from paper; past this the sheet prints the link only.
MAX_QR_URL_LENGTH = 1500


def qr_svg(url: str) -> bytes | None:
    """An SVG QR code of `url` (scalable, black on white), or None when the link is too long for one."""
    if len(url) > MAX_QR_URL_LENGTH:
        return None
    try:
        code = segno.make(url, error="m", micro=False)
    except segno.DataOverflowError:
        return None
    buffer = io.BytesIO()
    # No width and height: the page sizes the image; the white quiet zone (border) helps phone cameras.
    code.save(buffer, kind="svg", border=4, xmldecl=False, omitsize=True, dark="#000", light="#fff")
    return buffer.getvalue()

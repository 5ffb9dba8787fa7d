"""Code 128 (subset B) barcodes as inline SVG: tracking numbers on shipping labels, return
numbers on return slips."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Bar/space widths of the 107 symbols (values 0–105, then STOP), from the Code 128 table.
PATTERNS = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
]  # fmt: skip
START_B = 104
STOP = 106


def code128_values(text: str) -> list[int]:
    """The symbol values for `text` in subset B, with start, checksum and stop."""
    if not text or any(not 32 <= ord(char) <= 126 for char in text):
        raise ValueError("Code 128 B encodes printable ASCII only")
    values = [START_B] + [ord(char) - 32 for char in text]
    checksum = (values[0] + sum(index * value for index, value in enumerate(values[1:], 1))) % 103
    return [*values, checksum, STOP]


def code128_modules(text: str) -> list[tuple[bool, int]]:
    """(is a bar, width in modules) runs for the whole symbol, without quiet zones."""
    runs = []
    for value in code128_values(text):
        for index, width in enumerate(PATTERNS[value]):
            runs.append((index % 2 == 0, int(width)))
    return runs


def code128_svg(text: str, *, height: int = 80, module: int = 2, quiet: int = 10) -> SafeString:
    """An inline SVG barcode with the human-readable text below it."""
    x = quiet * module
    bars = []
    for is_bar, width in code128_modules(text):
        if is_bar:
            bars.append(f'<rect x="{x}" y="0" width="{width * module}" height="{height}"/>')
        x += width * module
    total = x + quiet * module
    label = escape(text)
    # Safe: every value in it is a number or escaped text.
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" '
        f'aria-label="{label}" viewBox="0 0 {total} {height + 22}" width="{total}" '
        f'height="{height + 22}"><rect width="100%" height="100%" fill="#fff"/>'
        f'<g fill="#000">{"".join(bars)}</g>'
        f'<text x="{total / 2}" y="{height + 18}" text-anchor="middle" '
        f'font-family="monospace" font-size="16">{label}</text></svg>'
    )

"""Code 128 (code set B) for the Amazon order number on the packing slip: the bar widths, drawn by the renderer.

Written here rather than taken from a barcode library: code set B is a table and a checksum, and a library would
bring an image stack for what is a row of rectangles in the PDF."""

from __future__ import annotations

# Bar / space widths in modules (bar first) for the symbol values 0-106 (ISO/IEC 15417). 106 is STOP with its
# two-module termination bar.
PATTERNS = [
    "212222",
    "222122",
    "222221",
    "121223",
    "121322",
    "131222",
    "122213",
    "122312",
    "132212",
    "221213",
    "221312",
    "231212",
    "112232",
    "122132",
    "122231",
    "113222",
    "123122",
    "123221",
    "223211",
    "221132",
    "221231",
    "213212",
    "223112",
    "312131",
    "311222",
    "321122",
    "321221",
    "312212",
    "322112",
    "322211",
    "212123",
    "212321",
    "232121",
    "111323",
    "131123",
    "131321",
    "112313",
    "132113",
    "132311",
    "211313",
    "231113",
    "231311",
    "112133",
    "112331",
    "132131",
    "113123",
    "113321",
    "133121",
    "313121",
    "211331",
    "231131",
    "213113",
    "213311",
    "213131",
    "311123",
    "311321",
    "331121",
    "312113",
    "312311",
    "332111",
    "314111",
    "221411",
    "431111",
    "111224",
    "111422",
    "121124",
    "121421",
    "141122",
    "141221",
    "112214",
    "112412",
    "122114",
    "122411",
    "142112",
    "142211",
    "241211",
    "221114",
    "413111",
    "241112",
    "134111",
    "111242",
    "121142",
    "121241",
    "114212",
    "124112",
    "124211",
    "411212",
    "421112",
    "421211",
    "212141",
    "214121",
    "412121",
    "111143",
    "111341",
    "131141",
    "114113",
    "114311",
    "411113",
    "411311",
    "113141",
    "114131",
    "311141",
    "411131",
    "211412",
    "211214",
    "211232",
    "2331112",
]
START_B = 104
STOP = 106


class BarcodeError(ValueError):
    pass


def code128_values(text: str) -> list[int]:
    """The symbol values: START B, one per character, the checksum, STOP."""
    if not text:
        raise BarcodeError("Nothing to encode.")
    values = [START_B]
    for char in text:
        code = ord(char)
        if not 32 <= code <= 126:
            raise BarcodeError(f"Code 128 B cannot encode {char!r}.")
        values.append(code - 32)
    checksum = (START_B + sum(position * value for position, value in enumerate(values[1:], start=1))) % 103
    return [*values, checksum, STOP]


def code128_modules(text: str) -> list[tuple[bool, int]]:
    """(is_bar, width in modules) for every bar and space of `text`, quiet zones not included."""
    runs: list[tuple[bool, int]] = []
    for value in code128_values(text):
        for index, width in enumerate(PATTERNS[value]):
            runs.append((index % 2 == 0, int(width)))
    return runs


def decode_modules(runs: list[tuple[bool, int]]) -> str:
    """The text of a run of bars, checksum checked: what a scanner reads (the tests read the barcode back)."""
    widths = "".join(str(width) for _, width in runs)
    if not widths.endswith(PATTERNS[STOP]):
        raise BarcodeError("No stop symbol.")
    body = widths[: -len(PATTERNS[STOP])]
    symbols = [PATTERNS.index(body[i : i + 6]) for i in range(0, len(body), 6)]
    if symbols[0] != START_B:
        raise BarcodeError("Not code set B.")
    *data, checksum = symbols[1:]
    if (START_B + sum(p * v for p, v in enumerate(data, start=1))) % 103 != checksum:
        raise BarcodeError("Bad checksum.")
    return "".join(chr(v + 32) for v in data)

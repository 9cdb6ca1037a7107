#!/usr/bin/env python3
"""Render a `tmux capture-pane -e -p` capture (text with ANSI SGR colours) to PNG.

Usage: ansi_to_png.py CAPTURE.txt OUTPUT.png --columns 120 --rows 40

Each terminal cell becomes a fixed-size box. Characters that Unicode marks
as East Asian wide or fullwidth take two cells, as in the terminal. Braille
patterns (U+2800 to U+28FF), which the charts use, are drawn as their 2x4
dots, so they need no font. Other characters come from DejaVu Sans Mono,
and wide characters from Noto Sans Mono CJK (Debian's fonts-dejavu-core
and fonts-noto-cjk).
"""

import argparse
import re
import sys
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

MONO_FONT_PATHS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
]
MONO_BOLD_FONT_PATHS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
]
CJK_FONT_PATHS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]
CJK_FACE_NAME = "Noto Sans Mono CJK SC"
FONT_SIZE = 16

DEFAULT_FOREGROUND = (220, 220, 220)
DEFAULT_BACKGROUND = (24, 24, 28)

# The 16 ANSI colours as xterm draws them by default.
ANSI_COLOURS = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
    (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
    (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
]

SGR_PATTERN = re.compile(r"\x1b\[([0-9;:]*)m")
OTHER_ESCAPE_PATTERN = re.compile(r"\x1b(\[[0-9;?]*[A-Za-ln-z]|\][^\x07]*\x07|[()][0-9A-B])")

# Bit of each braille dot in a pattern, listed by (column, row) of the 2x4 grid.
BRAILLE_DOTS = [
    (0, 0, 0x01), (0, 1, 0x02), (0, 2, 0x04), (1, 0, 0x08),
    (1, 1, 0x10), (1, 2, 0x20), (0, 3, 0x40), (1, 3, 0x80),
]


def xterm_256_colour(index):
    """Return the RGB value of xterm's 256-colour palette entry `index`."""
    if index < 16:
        return ANSI_COLOURS[index]
    if index < 232:
        index -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[index // 36], steps[(index // 6) % 6], steps[index % 6])
    level = 8 + (index - 232) * 10
    return (level, level, level)


class Style:
    """Colours and attributes of a cell, changed by SGR parameters."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.foreground = None
        self.background = None
        self.bold = False
        self.dim = False
        self.italic = False
        self.underline = False
        self.reverse = False

    def copy(self):
        style = Style()
        style.__dict__.update(self.__dict__)
        return style

    def apply(self, parameters):
        """Apply the parameters of one SGR sequence, such as `1;38;5;208`."""
        codes = [int(code) if code else 0 for code in re.split("[;:]", parameters)]
        index = 0
        while index < len(codes):
            code = codes[index]
            if code == 0:
                self.reset()
            elif code == 1:
                self.bold = True
            elif code == 2:
                self.dim = True
            elif code == 3:
                self.italic = True
            elif code == 4:
                self.underline = True
            elif code == 7:
                self.reverse = True
            elif code == 22:
                self.bold = False
                self.dim = False
            elif code == 23:
                self.italic = False
            elif code == 24:
                self.underline = False
            elif code == 27:
                self.reverse = False
            elif 30 <= code <= 37:
                self.foreground = ANSI_COLOURS[code - 30]
            elif 90 <= code <= 97:
                self.foreground = ANSI_COLOURS[code - 90 + 8]
            elif 40 <= code <= 47:
                self.background = ANSI_COLOURS[code - 40]
            elif 100 <= code <= 107:
                self.background = ANSI_COLOURS[code - 100 + 8]
            elif code == 39:
                self.foreground = None
            elif code == 49:
                self.background = None
            elif code in (38, 48) and index + 1 < len(codes):
                colour, used = extended_colour(codes[index + 1:])
                if code == 38:
                    self.foreground = colour
                else:
                    self.background = colour
                index += used
            index += 1

    def colours(self):
        """Return the (foreground, background) RGB pair to paint."""
        foreground = self.foreground or DEFAULT_FOREGROUND
        background = self.background or DEFAULT_BACKGROUND
        if self.reverse:
            foreground, background = background, foreground
        if self.dim:
            foreground = tuple((channel + base) // 2 for channel, base in zip(foreground, background))
        return foreground, background


def extended_colour(codes):
    """Parse `5;N` or `2;R;G;B` after a 38 or 48, returning the colour and
    the number of parameters used."""
    if codes[0] == 5 and len(codes) >= 2:
        return xterm_256_colour(codes[1]), 2
    if codes[0] == 2 and len(codes) >= 4:
        return (codes[1], codes[2], codes[3]), 4
    return None, len(codes)


def cell_width(character):
    """Return how many terminal cells `character` takes: 0, 1 or 2."""
    if unicodedata.combining(character):
        return 0
    if unicodedata.east_asian_width(character) in ("W", "F"):
        return 2
    return 1


def parse_capture(text, columns, rows):
    """Split a capture into a grid of rows, each a list of cells, where a
    cell is (character, style, width). A wide character's second cell is
    (None, style, 0)."""
    grid = []
    style = Style()
    for line in text.split("\n")[:rows]:
        line = OTHER_ESCAPE_PATTERN.sub("", line)
        cells = []
        position = 0
        for match in SGR_PATTERN.finditer(line + "\x1b[m"):
            for character in line[position:match.start()]:
                width = cell_width(character)
                if width == 0:
                    continue
                cells.append((character, style.copy(), width))
                if width == 2:
                    cells.append((None, style.copy(), 0))
            if match.start() < len(line):
                style.apply(match.group(1))
            position = match.end()
        grid.append(cells[:columns])
    while len(grid) < rows:
        grid.append([])
    return grid


def load_font(paths, size, face_name=None):
    """Open the first font file in `paths` that exists. In a font collection,
    pick the face called `face_name`."""
    for path in paths:
        if not Path(path).exists():
            continue
        if face_name is None:
            return ImageFont.truetype(path, size)
        for index in range(32):
            try:
                font = ImageFont.truetype(path, size, index=index)
            except OSError:
                break
            if font.getname()[0] == face_name:
                return font
    return None


def draw_braille(draw, character, left, top, width, height, colour):
    """Draw a braille pattern as round dots on a 2x4 grid of the cell."""
    bits = ord(character) - 0x2800
    radius = max(1.0, min(width / 4, height / 8) * 0.75)
    for column, row, bit in BRAILLE_DOTS:
        if bits & bit:
            x = left + width * (column * 2 + 1) / 4
            y = top + height * (row * 2 + 1) / 8
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)


def render(grid, columns, rows, output):
    mono = load_font(MONO_FONT_PATHS, FONT_SIZE)
    if mono is None:
        sys.exit(f"DejaVu Sans Mono not found at {MONO_FONT_PATHS}; install fonts-dejavu-core")
    bold = load_font(MONO_BOLD_FONT_PATHS, FONT_SIZE) or mono
    cjk = load_font(CJK_FONT_PATHS, FONT_SIZE, CJK_FACE_NAME)
    needs_cjk = any(width == 2 for row in grid for _, _, width in row)
    if needs_cjk and cjk is None:
        sys.exit(f"{CJK_FACE_NAME} not found at {CJK_FONT_PATHS}; install fonts-noto-cjk")

    # A cell is as tall as the font's ascent plus descent, so box-drawing
    # and block glyphs meet their neighbours above and below.
    ascent, descent = mono.getmetrics()
    cell_height = ascent + descent
    cell_width_pixels = round(mono.getlength("M"))

    image = Image.new("RGB", (columns * cell_width_pixels, rows * cell_height), DEFAULT_BACKGROUND)
    draw = ImageDraw.Draw(image)
    for row_index, cells in enumerate(grid):
        top = row_index * cell_height
        for column_index, (character, style, width) in enumerate(cells):
            if character is None:
                continue
            left = column_index * cell_width_pixels
            span = width * cell_width_pixels
            foreground, background = style.colours()
            if background != DEFAULT_BACKGROUND:
                draw.rectangle((left, top, left + span - 1, top + cell_height - 1), fill=background)
            if 0x2800 <= ord(character) <= 0x28FF:
                draw_braille(draw, character, left, top, cell_width_pixels, cell_height, foreground)
            elif width == 2:
                # Centre the CJK glyph in its two cells, because its metrics differ from DejaVu's.
                glyph_width = cjk.getlength(character)
                cjk_ascent, _ = cjk.getmetrics()
                draw.text(
                    (left + (span - glyph_width) / 2, top + ascent - cjk_ascent),
                    character,
                    font=cjk,
                    fill=foreground,
                )
            elif character != " ":
                font = bold if style.bold else mono
                draw.text((left, top), character, font=font, fill=foreground)
            if style.underline:
                draw.line((left, top + cell_height - 2, left + span - 1, top + cell_height - 2), fill=foreground)
    image.save(output)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("capture", type=Path, help="output of tmux capture-pane -e -p")
    parser.add_argument("output", type=Path, help="PNG file to write")
    parser.add_argument("--columns", type=int, default=120, help="terminal width in cells")
    parser.add_argument("--rows", type=int, default=40, help="terminal height in cells")
    arguments = parser.parse_args()

    text = arguments.capture.read_text(encoding="utf-8")
    grid = parse_capture(text, arguments.columns, arguments.rows)
    render(grid, arguments.columns, arguments.rows, arguments.output)


if __name__ == "__main__":
    main()

"""Draw PyIoT's brand images into `custom_components/pyiot/brand/` (HA serves them from there).

    .venv/bin/python -m tools.make_brand

icon.png (256x256) and icon@2x.png (512x512): a rounded square holding two interlocking rounded
shapes in Python's blue and yellow, and a small three-node network in the middle. logo.png (height
128) and logo@2x.png (height 256): the icon followed by the name; dark_logo*.png: the same with light
letters for HA's dark theme. Pillow is in .venv (HA needs it).
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND_DIR = Path(__file__).resolve().parents[1] / "custom_components" / "pyiot" / "brand"
SCALE = 4  # draw large, then downsample: smooth edges without anti-aliasing support in ImageDraw

BACKGROUND = (30, 43, 58, 255)
BLUE = (55, 118, 171, 255)
YELLOW = (255, 212, 59, 255)
WHITE = (255, 255, 255, 255)
TEXT = (30, 43, 58, 255)
DARK_THEME_TEXT = (241, 244, 248, 255)
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
)


def draw_icon(size: int) -> Image.Image:
    """The square icon, `size` pixels wide."""
    big = size * SCALE
    unit = big / 256  # the design below is on a 256 grid
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 * unit, y0 * unit, x1 * unit, y1 * unit)

    draw.rounded_rectangle(box(0, 0, 255, 255), radius=56 * unit, fill=BACKGROUND)
    # Two rounded squares, point-symmetric like Python's snakes; the yellow one lies over the blue
    # one, separated by a gap in the background colour.
    draw.rounded_rectangle(box(36, 36, 150, 150), radius=30 * unit, fill=BLUE)
    draw.rounded_rectangle(box(100, 100, 226, 226), radius=36 * unit, fill=BACKGROUND)
    draw.rounded_rectangle(box(106, 106, 220, 220), radius=30 * unit, fill=YELLOW)
    # The snakes' eyes.
    draw.ellipse(box(58, 58, 76, 76), fill=WHITE)
    draw.ellipse(box(180, 180, 198, 198), fill=BACKGROUND)
    # A small mesh of three nodes where the two meet: links first, then nodes ringed in background.
    nodes = [(128, 92), (96, 150), (160, 150)]
    for (x0, y0), (x1, y1) in zip(nodes, nodes[1:] + nodes[:1], strict=True):
        draw.line([(x0 * unit, y0 * unit), (x1 * unit, y1 * unit)], fill=WHITE, width=round(6 * unit))
    for x, y in nodes:
        draw.ellipse(box(x - 17, y - 17, x + 17, y + 17), fill=BACKGROUND)
        draw.ellipse(box(x - 12, y - 12, x + 12, y + 12), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def draw_logo(height: int, text_colour: tuple[int, int, int, int] = TEXT) -> Image.Image:
    """The icon followed by the name, `height` pixels high, transparent background."""
    big = height * SCALE
    font = _font(round(big * 0.62))
    left, top, right, bottom = (round(edge) for edge in font.getbbox("PyIoT"))
    gap = round(big * 0.18)
    image = Image.new("RGBA", (big + gap + (right - left) + gap // 2, big), (0, 0, 0, 0))
    image.paste(draw_icon(big), (0, 0))
    draw = ImageDraw.Draw(image)
    draw.text((big + gap - left, (big - (bottom - top)) // 2 - top), "PyIoT", font=font, fill=text_colour)
    width = round(image.width / SCALE)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def main() -> None:
    """Write the four images."""
    BRAND_DIR.mkdir(parents=True, exist_ok=True)
    images = {
        "icon.png": draw_icon(256),
        "icon@2x.png": draw_icon(512),
        "logo.png": draw_logo(128),
        "logo@2x.png": draw_logo(256),
        # The icon reads on both themes; the name needs light letters on HA's dark theme.
        "dark_logo.png": draw_logo(128, DARK_THEME_TEXT),
        "dark_logo@2x.png": draw_logo(256, DARK_THEME_TEXT),
    }
    for name, image in images.items():
        image.save(BRAND_DIR / name, optimize=True)
        print(f"{BRAND_DIR / name}: {image.width}x{image.height}")


if __name__ == "__main__":
    main()

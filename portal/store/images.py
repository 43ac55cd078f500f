"""Is an uploaded file the raster image it claims to be? Decoded by Pillow, never trusted by its name or the
browser's type: `Image.open` + `verify`, then opened again, fully loaded and re-encoded as a small PNG thumbnail
(the thumbnail is made from decoded pixels: nothing of the original file's bytes reaches it). A decompression bomb
(more pixels than MAX_PIXELS) is refused before it is decoded. SVG and every other non-raster format are refused."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

FORMATS = {'PNG': 'image/png', 'JPEG': 'image/jpeg', 'GIF': 'image/gif', 'WEBP': 'image/webp'}
MAX_PIXELS = 40_000_000        # 40 megapixels: more than any phone photo, far less than a bomb unpacks to
THUMB_SIZE = (320, 320)


class NotAnImage(Exception):
    """The file is not a raster image Pillow can decode (or one too large to decode)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason      # 'not_image' | 'too_many_pixels'


@dataclass(frozen=True)
class Checked:
    mime: str
    width: int
    height: int
    thumbnail: bytes


def check_image(path: Path) -> Checked:
    """Verify the file at `path` and make its thumbnail (raises NotAnImage)."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter('error', Image.DecompressionBombWarning)
        try:
            with Image.open(path) as probe:
                kind = probe.format
                if kind not in FORMATS:
                    raise NotAnImage('not_image')
                if probe.width * probe.height > MAX_PIXELS:
                    raise NotAnImage('too_many_pixels')
                probe.verify()
            with Image.open(path) as image:
                image.draft('RGB', THUMB_SIZE)          # JPEG: decode at a fraction of the size
                image.load()
                size = image.size
                thumb = _thumbnail(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise NotAnImage('too_many_pixels') from None
        except NotAnImage:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise NotAnImage('not_image') from None
    return Checked(mime=FORMATS[kind], width=size[0], height=size[1], thumbnail=thumb)


def _thumbnail(image: Image.Image) -> bytes:
    image.seek(0) if getattr(image, 'is_animated', False) else None
    frame = image.convert('RGBA' if image.mode in ('RGBA', 'LA', 'P') else 'RGB')
    frame.thumbnail(THUMB_SIZE)
    out = io.BytesIO()
    frame.save(out, 'PNG', optimize=True)
    return out.getvalue()

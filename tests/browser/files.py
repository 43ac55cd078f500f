"""Browser helpers for attachment fields: drop files on an element as a person drags them from the desktop (a real
`drop` event carrying a DataTransfer of File objects), and make small test images."""
from __future__ import annotations

import base64
import io


def png_bytes(color=(200, 40, 40), size=(120, 90)) -> bytes:
    from PIL import Image, ImageDraw
    image = Image.new('RGB', size, color)
    ImageDraw.Draw(image).rectangle([10, 10, size[0] - 10, size[1] - 10], outline=(255, 255, 255), width=4)
    out = io.BytesIO()
    image.save(out, 'PNG')
    return out.getvalue()


def drop_files(page, target: str, files: list[tuple[str, bytes, str]]) -> None:
    """Drag `files` ([(name, bytes, mime)]) over the element matching the CSS selector `target` and drop them
    where it shows its drop zone (Quasar's uploader shows `.q-uploader__dnd` while something is dragged over)."""
    payload = [{'name': n, 'data': base64.b64encode(b).decode(), 'mime': m} for n, b, m in files]
    transfer = page.evaluate_handle('''(files) => { const dt = new DataTransfer();
        for (const f of files) {
            const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
            dt.items.add(new File([bytes], f.name, {type: f.mime}));
        }
        return dt; }''', payload)
    zone = page.locator(target).first
    zone.dispatch_event('dragenter', {'dataTransfer': transfer})
    zone.dispatch_event('dragover', {'dataTransfer': transfer})
    dnd = zone.locator('.q-uploader__dnd')
    dnd.wait_for(state='attached')
    dnd.dispatch_event('drop', {'dataTransfer': transfer})

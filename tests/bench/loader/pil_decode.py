"""Oracle for the decode+resize probe: PIL (draft mode = libjpeg DCT scaling for JPEG, like ours),
grayscale, antialiased bilinear resize, one thread. Prints RESULT pil-<ext> <count> <seconds>."""
import pathlib, sys, time
from PIL import Image

root, ext, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(str(p) for p in pathlib.Path(root).rglob("*." + ext))
t = time.perf_counter()
acc = 0
for f in files:
    im = Image.open(f)
    im.draft("L", (size, size))
    im = im.convert("L").resize((size, size), Image.BILINEAR)
    acc += im.getpixel((size // 2, size // 2))
print(f"RESULT pil-{ext} {len(files)} {time.perf_counter() - t:.4f} {acc}")

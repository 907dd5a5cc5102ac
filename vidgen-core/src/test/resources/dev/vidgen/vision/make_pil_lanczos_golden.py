# Regenerates pil_lanczos_golden.txt: Pillow's Image.resize(..., Image.LANCZOS) on a synthetic RGB image.
# Run with Debian bookworm's python3-pil 9.4.0 (the Pillow of the diffusers reference environment):
#   /usr/bin/python3 make_pil_lanczos_golden.py > pil_lanczos_golden.txt
import numpy as np
from PIL import Image

W, H = 37, 23
x = np.arange(W)[None, :, None]
y = np.arange(H)[:, None, None]
c = np.arange(3)[None, None, :]
# a pattern with edges and gradients: ((x*x*7 + y*13 + c*29 + x*y) % 256)
src = ((x * x * 7 + y * 13 + c * 29 + x * y) % 256).astype(np.uint8)
img = Image.fromarray(src, "RGB")
print("# Pillow", Image.__version__, "LANCZOS resize of the 37x23 pattern ((x*x*7 + y*13 + c*29 + x*y) % 256)")
for (w, h) in [(64, 40), (20, 14), (60, 11), (37, 23), (37, 40), (64, 23), (1024, 3)]:
    out = np.asarray(img.resize((w, h), resample=Image.LANCZOS))
    print(w, h, " ".join(str(v) for v in out.reshape(-1)))

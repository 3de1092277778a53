"""An import-linter contract: apps reach each other only through their public surface.

Another app's ``services``, ``selectors`` and ``data`` modules are its public
surface (conventions: "Cross-app imports"); models, views, forms and the rest
are its own business. ``core`` is the shared kernel anyone may use. Tests and
migrations are exempt, and imports made only for type checking are excluded
by the configuration (``exclude_type_checking_imports``).
"""

from __future__ import annotations

from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output

PUBLIC = ("services", "selectors", "data")


class PublicSurfaceContract(Contract):
    type_name = "public_surface"

    root = fields.StringField()
    apps = fields.ListField(subfield=fields.StringField())
    shared = fields.ListField(subfield=fields.StringField(), required=False)

    def _app_of(self, module: str) -> str | None:
        prefix = f"{self.root}."
        if not module.startswith(prefix):
            return None
        head = module[len(prefix) :].split(".", 1)[0]
        return head if head in self.apps else None  # type: ignore[operator]

    @staticmethod
    def _exempt(module: str) -> bool:
        parts = module.split(".")
        return "tests" in parts or "migrations" in parts

    def _is_public(self, module: str, app: str) -> bool:
        rest = module[len(f"{self.root}.{app}") :].lstrip(".")
        return rest.split(".", 1)[0] in PUBLIC

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        shared: set[str] = set(self.shared or [])  # type: ignore[arg-type]
        violations: list[dict[str, Any]] = []
        for importer in sorted(graph.modules):
            importer_app = self._app_of(importer)
            if importer_app is None or self._exempt(importer):
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                imported_app = self._app_of(imported)
                if imported_app is None or imported_app == importer_app:
                    continue
                if imported_app in shared or self._is_public(imported, imported_app):
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                lines = [d["line_number"] for d in details]
                violations.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["violations"]:
            lines = ", ".join(str(n) for n in item["lines"])
            output.print_error(
                f"{item['importer']} imports {item['imported']} (line {lines}): "
                "use that app's services, selectors or data module.",
                bold=False,
            )
            output.new_line()

"""Moderation data: school policies, stored verdicts, image hash lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SchoolPolicy(models.Model):
    """A school's moderation settings; schools without one use the defaults."""

    school = models.OneToOneField(
        "orgs.Unit", on_delete=models.CASCADE, related_name="moderation_policy"
    )
    allowed_domains = models.TextField(_("allowed web sites"), blank=True)
    allowed_phones = models.TextField(_("allowed phone numbers"), blank=True)
    # {"student": {"link": "hold", ...}, "teacher": {...}, "guest": {...}}
    actions = models.JSONField(default=dict, blank=True)
    mute_after = models.PositiveSmallIntegerField(_("violations before muting"), default=3)
    mute_window_minutes = models.PositiveSmallIntegerField(_("within minutes"), default=10)
    mute_minutes = models.PositiveSmallIntegerField(_("mute for minutes"), default=5)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"moderation policy of {self.school_id}"


class ModerationEvent(models.Model):
    """A verdict other than "allow", kept with its reasons for review and reports."""

    school = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    # Where it was said, e.g. "live.session:12" (the chat names its own contexts).
    context = models.CharField(max_length=60, blank=True, db_index=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    sender_role = models.CharField(max_length=10)
    on_roster = models.BooleanField(default=True)
    action = models.CharField(max_length=6)
    categories = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    findings = models.JSONField(default=list)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    report = models.BooleanField(default=False)  # for the incident process
    counsellor = models.BooleanField(default=False)
    strike = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sender", "strike", "created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {','.join(self.categories)} ({self.pk})"


class HashList(models.Model):
    """Perceptual hashes (PDQ) of known abusive images, imported by authority officers."""

    name = models.CharField(_("name"), max_length=120)
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class HashEntry(models.Model):
    hash_list = models.ForeignKey(HashList, on_delete=models.CASCADE, related_name="entries")
    pdq = models.CharField(max_length=64)  # 256 bits, hexadecimal
    quality = models.PositiveSmallIntegerField(default=100)
    label = models.CharField(max_length=60, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hash_list", "pdq"], name="hash_entry_unique_in_list")
        ]

    def __str__(self) -> str:
        return self.pdq

"""Accounts: people, their staff roles, guardianships, consent and credentials.

One ``User`` table for everyone (no per-role subclasses). Staff roles are
``Membership`` rows at a unit; a student belongs to a school through
``User.school``; a parent reaches a child through ``Guardianship``. Consent for
a child's data (Decree 13/2023/NĐ-CP, Law 91/2025/QH15; LAW-1) is a
``ConsentRecord`` per person giving it, withdrawn by setting ``withdrawn_at``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeclass.core.roles import Role

username_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9._-]{2,63}$",
    _(
        "Use 3 to 64 lower-case letters without accents, digits, dots, dashes or "
        "underscores, starting with a letter or digit."
    ),
)


class AccountKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    STUDENT = "student", _("Student")
    PARENT = "parent", _("Parent or guardian")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Language(models.TextChoices):
    VIETNAMESE = "vi", "Tiếng Việt"
    ENGLISH = "en", "English"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username.strip().lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("kind", AccountKind.STAFF)
        extra["is_superuser"] = True
        extra.setdefault("activated_at", timezone.now())
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(
        _("username"), max_length=64, unique=True, validators=[username_validator]
    )
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    kind = models.CharField(
        _("account type"), max_length=10, choices=AccountKind.choices, default=AccountKind.STAFF
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    school = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="students",
        help_text=_("For students: the school they attend."),
    )
    student_code = models.CharField(_("student code"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.VIETNAMESE
    )
    is_active = models.BooleanField(_("active"), default=True)
    activated_at = models.DateTimeField(
        _("activated"),
        null=True,
        blank=True,
        help_text=_("When the owner first set their own password: the account is verified."),
    )
    password_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~models.Q(email=""), name="accounts_user_unique_email"
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="accounts_user_unique_phone"
            ),
            models.UniqueConstraint(
                fields=["school", "student_code"],
                condition=~models.Q(student_code=""),
                name="accounts_user_unique_student_code",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else self.username

    @property
    def is_verified_account(self) -> bool:
        """ACC-2: the owner activated the account with their own credential."""
        return self.activated_at is not None

    @property
    def is_student(self) -> bool:
        return self.kind == AccountKind.STUDENT

    @property
    def is_parent(self) -> bool:
        return self.kind == AccountKind.PARENT


class Membership(models.Model):
    """A staff role held at a unit; it reaches the unit's whole subtree."""

    user = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.PROTECT, related_name="memberships"
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["unit__path", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"],
                condition=models.Q(ended_at__isnull=True),
                name="accounts_membership_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GUARDIAN = "guardian", _("Guardian")
    OTHER = "other", _("Other family member")


class Guardianship(models.Model):
    parent = models.ForeignKey(
        User, verbose_name=_("parent"), on_delete=models.PROTECT, related_name="wards"
    )
    student = models.ForeignKey(
        User, verbose_name=_("student"), on_delete=models.PROTECT, related_name="guardians"
    )
    relationship = models.CharField(
        _("relationship"), max_length=10, choices=Relationship.choices, default=Relationship.OTHER
    )
    verified = models.BooleanField(_("verified by the school"), default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["student__full_name", "parent__full_name"]
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "student"], name="accounts_guardianship_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("student")),
                name="accounts_guardianship_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent} → {self.student}"


class ConsentCapacity(models.TextChoices):
    PARENT = "parent", _("as parent or guardian")
    CHILD = "child", _("as the child")


class ConsentRecord(models.Model):
    """Consent to process a child's data, given by a guardian or by the child (7+)."""

    student = models.ForeignKey(
        User, verbose_name=_("student"), on_delete=models.PROTECT, related_name="consents"
    )
    given_by = models.ForeignKey(
        User, verbose_name=_("given by"), on_delete=models.PROTECT, related_name="consents_given"
    )
    capacity = models.CharField(_("capacity"), max_length=10, choices=ConsentCapacity.choices)
    notice_version = models.CharField(_("privacy notice version"), max_length=20)
    granted_at = models.DateTimeField(_("given"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "given_by"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="accounts_consent_one_active_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.given_by} → {self.student} ({self.capacity})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class TokenPurpose(models.TextChoices):
    ACTIVATION = "activation", _("Account activation code")
    PASSWORD_RESET = "password_reset", _("Password reset link")
    SIGN_IN = "sign_in", _("One-time sign-in link")


class OneTimeToken(models.Model):
    """An activation code or one-time link. Only a keyed digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_tokens")
    purpose = models.CharField(max_length=20, choices=TokenPurpose.choices)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Digest of the device cookie that first opened a sign-in link.
    device_digest = models.CharField(max_length=64, blank=True)
    # Who a sign-in link was sent to (the parent), for the audit trail.
    sent_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "purpose"])]

    def __str__(self) -> str:
        return f"{self.purpose} for {self.user_id}"


class ParentLinkCode(models.Model):
    """The code on a student's slip that a parent enters to link to the child.

    A family may have two or three parents or guardians, so a code allows a few
    links; each link waits for the school to confirm it unless the parent's
    contact matches the one on the school's roster.
    """

    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="parent_link_codes")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    uses = models.PositiveSmallIntegerField(default=0)
    max_uses = models.PositiveSmallIntegerField(default=4)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"parent link code for {self.student_id}"


class ParentInvitation(models.Model):
    """An invitation sent to the parent contact on a school roster."""

    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="parent_invitations")
    parent_name = models.CharField(_("parent's name"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation for the parent of {self.student_id}"


class AccountSession(AbstractBaseSession):
    """A signed-in session, kept in the database so people can see and end theirs."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls) -> type[Any]:
        from safeclass.accounts.session_store import SessionStore

        return SessionStore

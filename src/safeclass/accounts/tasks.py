"""Background work for accounts: mail is sent by the worker, never in a request.

Messages are queued after the transaction that caused them commits. The
subject and body are msgids, translated here into the recipient's language.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext


@task()
def send_account_email(
    *, recipient: str, language: str, subject: str, body: str, params: dict[str, str]
) -> None:
    with translation.override(language):
        send_mail(
            subject=gettext(subject),
            message=gettext(body) % params,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[recipient],
        )

"""The chat counter moves from the session row to the room's controls row, next to
the event counter, so one locked row hands out both numbers."""

from typing import Any

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_counters(apps: Any, schema_editor: Any) -> None:
    session_model = apps.get_model("live", "Session")
    controls_model = apps.get_model("live", "RoomControls")
    chatted = session_model.objects.filter(chat_seq__gt=0)
    # Every lesson with a message has its controls row (the chat locks it);
    # one is made for any that lacks it, so no counter is lost.
    for session_id in chatted.exclude(controls__isnull=False).values_list("pk", flat=True):
        controls_model.objects.create(session_id=session_id)
    controls_model.objects.filter(session__chat_seq__gt=0).update(
        chat_seq=Subquery(session_model.objects.filter(pk=OuterRef("session_id")).values("chat_seq")[:1])
    )


def copy_back(apps: Any, schema_editor: Any) -> None:
    session_model = apps.get_model("live", "Session")
    controls_model = apps.get_model("live", "RoomControls")
    session_model.objects.filter(controls__chat_seq__gt=0).update(
        chat_seq=Subquery(
            controls_model.objects.filter(session_id=OuterRef("pk")).values("chat_seq")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("live", "0007_private_questions")]

    operations = [
        migrations.AddField(
            model_name="roomcontrols",
            name="chat_seq",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(copy_counters, copy_back),
        migrations.RemoveField(model_name="session", name="chat_seq"),
    ]

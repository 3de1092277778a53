"""The room's controls row also keeps the number of the last event that may have
changed who can write what, so a chat message checked on an earlier read of the
room can be stored while that read still holds."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("live", "0008_chat_seq_with_controls")]

    operations = [
        migrations.AddField(
            model_name="roomcontrols",
            name="rules_seq",
            field=models.PositiveIntegerField(default=0),
        ),
    ]

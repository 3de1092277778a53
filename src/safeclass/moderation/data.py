"""What other apps may use of the moderation engine: its vocabulary."""

from safeclass.moderation.engine import Action, Category, Sender, Verdict

__all__ = ["Action", "Category", "Sender", "Verdict"]

"""What other apps may use of the moderation engine: its vocabulary."""

from safeclass.moderation.engine import Action, Category, Policy, Sender, Verdict

__all__ = ["Action", "Category", "Policy", "Sender", "Verdict"]

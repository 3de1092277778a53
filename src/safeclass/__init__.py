"""SafeClass (Lớp học an toàn): online classes that strangers cannot enter."""

__version__ = "0.1.0"

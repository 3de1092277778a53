"""Moderation: the pure engine (``engine``) and its Django layer."""

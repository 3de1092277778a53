"""Tests of the roster parser and its messages."""

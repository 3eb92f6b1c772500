"""Constructions behind the theorems: one module per family."""

from .smale18 import CONSTRUCTIONS, Smale18Class, Smale18Member

__all__ = ["Smale18Class", "Smale18Member", "CONSTRUCTIONS"]

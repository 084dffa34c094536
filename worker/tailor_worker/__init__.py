"""Tailor's training worker."""

from .protocol import PROTOCOL_VERSION

__all__ = ["PROTOCOL_VERSION"]

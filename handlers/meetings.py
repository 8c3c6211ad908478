"""Meetings, minutes and decisions (P9, P11, P12)."""

"""Voice (P19, P20)."""

"""Helpers that make real Perceval runs possible offline: git repositories and fake services."""

"""Reshaping a project: scaffolding a new one, adding, renaming and merging topics with surgical edits to its files."""

"""Evidence from the tools a community uses: imports into the project's research data.

``perceval`` maps GrimoireLab Perceval items to events, ``identities`` unifies and
pseudonymises the people behind them, ``importer`` writes the events file,
``survey_import`` turns a wide survey export into mdm's survey files.
"""

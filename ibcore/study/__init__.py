"""The book's layer: profiles, verdicts and the scorecard, and the generated pages.

It imports :mod:`ibcore`; nothing in the library imports it (``tests/test_imports.py`` keeps that).
``python -m ibcore.study.scorecard --profile default`` prints a profile's scorecard.
"""

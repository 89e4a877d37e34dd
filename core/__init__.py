"""Model-free vocabulary every app may import: calendar, identifiers, spreadsheets.

Nothing here imports a Renkei app; apps import from here, never the other way round.
"""

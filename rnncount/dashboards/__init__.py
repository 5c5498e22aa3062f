"""The live dashboards: panels (formula, summary, picture) computed without widgets, and the widgets."""

"""Bridges to real frameworks: Keras 3 (the oracle every count is checked against) and PyTorch.

Each bridge imports its framework on first use, so importing rnncount never does.
"""

"""Layer kinds described in modules of their own, one family per module.

Each module here defines :class:`~rnncount.core.layers.Layer` subclasses; they register
themselves in ``LAYER_TYPES`` when the module is imported, and ``rnncount.core.layers``
imports every module of this package. Adding a family is adding a file here (and its tests).
"""

"""The counting core: layer kinds, the spec parser, the engine and the by-hand formula.

Pure Python with exact integers; nothing here imports Keras, TensorFlow, numpy or matplotlib.
"""

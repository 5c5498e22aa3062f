"""Lecture mode: a notebook as full-screen slides (Voila) or as a static deck (nbconvert)."""

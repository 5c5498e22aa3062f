"""Pictures of layers: one layout in abstract units, drawn as inline SVG or with Matplotlib."""

"""One module per transform kind. Each module builds a ``Transform`` (which registers
itself) and a matcher; ``upgrader.registry.load_transforms`` imports them all.

See docs/TRANSFORMS.md for the list, kept in sync with the registry by a test.
"""

"""nanokg.query."""

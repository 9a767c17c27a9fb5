"""nanokg.serve."""

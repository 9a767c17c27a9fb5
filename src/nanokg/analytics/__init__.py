"""nanokg.analytics."""

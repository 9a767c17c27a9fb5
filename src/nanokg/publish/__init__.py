"""nanokg.publish."""

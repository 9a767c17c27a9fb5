"""nanokg.curation."""

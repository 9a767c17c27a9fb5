"""Allow ``python -m nanokg``."""

from .cli import main

main()

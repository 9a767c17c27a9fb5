"""Allow ``python -m nanokg``."""

from nanokg.cli import main

main()

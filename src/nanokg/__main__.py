"""Allow ``python -m nanokg``."""

from nanokg.cli import main

if __name__ == "__main__":
    main()

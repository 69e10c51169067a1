"""`python -m broadcast` runs the command line."""

from broadcast.cli import main

if __name__ == "__main__":
    main()

"""`python -m carner`: the same command line as the `carner` console script."""

from carner.cli import main

main()

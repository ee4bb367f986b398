"""`python -m papersync` runs the command line."""

from papersync.cli import main

raise SystemExit(main())

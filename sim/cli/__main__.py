"""`python -m sim.cli`: the `cadres` command."""

from sim.cli.cadres import main

raise SystemExit(main())

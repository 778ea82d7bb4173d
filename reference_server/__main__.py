"""`python -m reference_server [options]`: the same as `rancher-contract serve [options]`."""

from __future__ import annotations

from rancher_contract.reference_server.cli import main

raise SystemExit(main())

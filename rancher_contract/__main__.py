from rancher_contract.cli import main

raise SystemExit(main())

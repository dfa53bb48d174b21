from fnproof.cli import main

raise SystemExit(main())

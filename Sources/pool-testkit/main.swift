// The entry point: every rank runs this binary and parses the same flags (see Command.swift).
PoolTestkit.main()

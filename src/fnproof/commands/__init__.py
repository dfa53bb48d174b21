"""One module per CLI command: arguments in, library calls, exit code out."""

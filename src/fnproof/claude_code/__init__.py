"""What the kit installs into a user's repository for Claude Code: `init` and the Stop hook."""

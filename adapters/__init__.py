"""Platform adapters: the shell (default), memory (tests), and later Slack and Discord."""

"""Platform adapters: the shell (the default), memory (for tests), Slack and Discord."""

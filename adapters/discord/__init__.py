"""Discord: the client and sending (``adapter``), commands, interactions, rendering."""

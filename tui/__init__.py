"""The operator's side: the Textual app and the command line (tui.cli is the composition root)."""

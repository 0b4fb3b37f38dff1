"""The cockpit's screens: the main screen, help, and the confirm modals."""

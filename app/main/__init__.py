"""Pages for everyone: the home page and the health check."""

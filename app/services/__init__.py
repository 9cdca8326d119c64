"""Business logic: verb-named functions the views and CLI commands call, testable without HTTP."""

"""The sponsor's pages: their company's report, under /s."""

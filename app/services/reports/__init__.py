"""Reports: the sponsor and event figures, their answers, exports and PDFs."""

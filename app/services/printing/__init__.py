"""Printed material: badges, agendas with paper follow-up forms, and table signs, as PDFs."""

"""scraper stage."""

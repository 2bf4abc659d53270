"""Ingest: read arXiv dumps (Kaggle JSON lines, OAI-PMH XML, arXiv API JSON), BEIR corpora and PDFs into the catalog."""

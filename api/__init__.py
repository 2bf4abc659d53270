"""API: the FastAPI service over search, papers and graph recommendations."""

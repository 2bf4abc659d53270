"""The `paperkg` command line: thin verbs over the library."""

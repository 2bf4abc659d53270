"""Index: dense (FAISS) and lexical (BM25) indexes built from the catalog, and hybrid search over them."""

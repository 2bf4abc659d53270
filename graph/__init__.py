"""Graph: SciERC tagger, entity normalization, the embedded knowledge graph, Neo4j sync and recommendations."""

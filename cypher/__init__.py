"""Every Cypher statement gridchain sends, in named sections; see engine/backends/neo4j."""

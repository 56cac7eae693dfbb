"""Pages about the data: entity dereferencing and documents (/id, /doc), their descriptions and page
models, the home/search/class indexes, and the ontology and shapes pages."""

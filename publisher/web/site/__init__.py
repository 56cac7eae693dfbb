"""The site's shared parts: caching and ETags, URLs, negotiation, errors, labels, the per-build memo,
request parameters, deterministic RDF output, and the base templates and stylesheet."""

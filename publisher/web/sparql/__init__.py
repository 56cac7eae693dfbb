"""The SPARQL surface: the protocol endpoint (/sparql), reading protocol requests, the query page and
the service description."""

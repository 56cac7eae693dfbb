"""Benchmarks for kgpub: a generator of realistic archives (``generate``) and one measuring run (``run``)."""

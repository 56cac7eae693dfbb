"""Peers the benchmark measures kgpub against, each the smallest honest version of its kind."""

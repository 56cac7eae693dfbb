"""The build: source files -> parsed -> SHACL-validated -> an immutable, atomically published release.

Nothing here imports Flask or click, so the CLI, the tests and any job runner call the same ``build()``.
"""

"""``python -m publisher`` is the ``kgpub`` command."""

from publisher.cli import main

main()

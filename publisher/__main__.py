"""``python -m publisher`` is the ``kgpub`` command."""

from publisher.cli import main

if (
    __name__ == "__main__"
):  # multiprocessing's spawn/forkserver re-import the main module: never re-run the CLI
    main()

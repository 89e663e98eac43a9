"""python -m monitor: the regionwatch command."""

from monitor.cli import main

main()

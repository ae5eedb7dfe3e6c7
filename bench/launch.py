"""Run a command from a small process, and print its wall time and peak RSS.

``python -S -I bench/launch.py PROGRAM ARGS...`` forks, runs the command in the
child (its stdout and stderr both go to this process's stderr), waits for it,
and prints one line on stdout: ``WALL_SECONDS MAXRSS_KIB EXIT_CODE``.

Why a launcher: ``ru_maxrss`` of a child counts the high-water mark its process
had before ``exec``, which a forked child takes from its parent (the pages it
shares are counted in it). A benchmark that has generated its inputs reads
several MiB too many on a run of a few MiB. vfork and posix_spawn are no better:
the child borrows the parent's whole memory until ``exec``. This process imports
next to nothing (run it with ``-S -I``: no site, no user paths), so what its child
inherits (about 5 MiB: ``/bin/true`` reads 5.3) is less than any Python run.
"""
import _signal  # (not signal, which imports enum: 1 MiB more in every child)
import os
import sys
import time


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write("usage: python -S -I launch.py PROGRAM ARGS...\n")
        return 2
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: its output goes where the launcher's errors go
        try:
            os.dup2(2, 1)
            for signum in (_signal.SIGPIPE, _signal.SIGXFSZ):  # Python ignores them; a
                _signal.signal(signum, _signal.SIG_DFL)       # shell's child has them
            os.execvp(argv[0], argv)
        except OSError as exc:
            os.write(2, f"launch.py: cannot run {argv[0]}: {exc}\n".encode())
        os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    print(f"{wall:.6f} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

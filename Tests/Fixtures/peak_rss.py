#!/usr/bin/env python3
"""Runs a command and reports its peak resident set size (the countwords-mpi memory tests).

    mpirun -n 2 python3 peak_rss.py countwords-mpi ARG...

Each rank runs the command as its child (which inherits the rank's MPI environment), waits for it,
prints `peak-rss-kb RANK KB` on stderr (RANK from OMPI_COMM_WORLD_RANK under Open MPI's mpirun, PMI_RANK
under MPICH's mpiexec, `-` without a launcher) and exits
with the command's status. SIGTERM and SIGINT are passed on to the command, so a test's timeout
still stops it.
"""
import os
import resource
import signal
import subprocess
import sys


def main(command):
    # MPICH's Hydra hands each rank its PMI connection as an inherited file descriptor (PMI_FD):
    # keep it open in the child (Popen closes every other descriptor by default).
    keep = (int(os.environ["PMI_FD"]),) if os.environ.get("PMI_FD", "").isdigit() else ()
    child = subprocess.Popen(command, pass_fds=keep)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, frame: child.send_signal(number))
    status = child.wait()
    kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rank = os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMI_RANK", "-"))
    os.write(2, f"peak-rss-kb {rank} {kb}\n".encode())   # one write: ranks' lines do not interleave
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""mpi4py side of tests/bench/allreduce.sh: the same in-place float32 sum allreduce of one reused
buffer, timed the same way (barrier, time, max over ranks). Run with /usr/bin/python3 (Debian's
python3-mpi4py links the same OpenMPI as our shim)."""
import sys
import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
nbytes, iterations = int(sys.argv[1]), int(sys.argv[2])
count = max(1, nbytes // 4)
buf = np.zeros(count, dtype=np.float32)
warmup = max(2, iterations // 5)
times = []
for i in range(warmup + iterations):
    comm.Barrier()
    t0 = MPI.Wtime()
    comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
    t = MPI.Wtime() - t0
    t = comm.allreduce(t, op=MPI.MAX)
    if i >= warmup:
        times.append(t)
if comm.rank == 0:
    print("RESULT impl=mpi4py bytes=%d ranks=%d times=%s" % (count * 4, comm.size, ",".join(repr(t) for t in times)))

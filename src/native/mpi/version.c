#include <mpi.h>
int xm_version(int* major, int* minor) { return MPI_Get_version(major, minor); }

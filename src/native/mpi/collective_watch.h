/* Collective timeout ("a stalled rank ends the job"): see collective_watch.c. */
#ifndef XRAYHPC_COLLECTIVE_WATCH_H
#define XRAYHPC_COLLECTIVE_WATCH_H
#include <mpi.h>

/* A collective that did not complete in time; xw_message() says which ranks had not arrived. */
#define XM_ERR_TIMEOUT 100007
/* The ranks of a communicator entered different collectives (found while checking arrival). */
#define XM_ERR_MISMATCH 100008

/* Operation codes named in the messages. */
enum { XW_ALLREDUCE = 1, XW_BCAST, XW_ALLGATHER, XW_ALLGATHERV, XW_BARRIER, XW_SPLIT, XW_IALLREDUCE_WAIT };

int xw_init(void);
void xw_finalize(void);
int xw_enabled(void);
/* Before a blocking collective on c: returns once every rank of c has arrived (then the payload runs
 * under the watchdog until xw_done), XM_ERR_TIMEOUT when they did not in time, at once when off. */
int xw_arrive(MPI_Comm c, int op);
void xw_done(void);
/* Completes a nonblocking collective's request on c, polled against the timeout. */
int xw_wait(MPI_Request* r, MPI_Comm c, int op);
int xw_barrier(MPI_Comm c);
const char* xw_message(void);
#endif

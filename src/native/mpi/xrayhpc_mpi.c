/* XRayHpc MPI shim.
 *
 * Only ints, long longs, doubles and pointers cross this boundary: OpenMPI's MPI_Comm is a pointer and
 * MPICH's is an int, so communicators and requests live in small tables here and C# sees their index.
 * Every function returns an MPI error code (0 = MPI_SUCCESS) or one of the XM_ERR_* codes below;
 * xm_error_string turns either into text. MPI_ERRORS_RETURN is installed on every communicator so a
 * failing collective reports instead of killing the process behind the C# caller's back.
 */
#define _GNU_SOURCE
#include <mpi.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "collective_watch.h"

#define XM_MAX_COMMS 1024
#define XM_MAX_REQUESTS 4096

/* Codes above every MPI error class (MPI_ERR_LASTCODE is at most a few hundred in both libraries). */
#define XM_ERR_BAD_HANDLE 100001
#define XM_ERR_TOO_MANY 100002
#define XM_ERR_BAD_TYPE 100003
#define XM_ERR_BAD_OP 100004
#define XM_ERR_COUNT 100005
#define XM_ERR_NOMEM 100006
/* XM_ERR_TIMEOUT (100007) is in collective_watch.h. */

/* Type and op codes shared with Native.cs. */
enum { XM_FLOAT = 0, XM_DOUBLE = 1, XM_INT32 = 2, XM_INT64 = 3, XM_BYTE = 4 };
enum { XM_SUM = 0, XM_MAX = 1, XM_MIN = 2 };

static MPI_Comm comms[XM_MAX_COMMS];
static MPI_Request requests[XM_MAX_REQUESTS];
static MPI_Comm request_comms[XM_MAX_REQUESTS]; /* whose members a timed-out wait asks */
static int tables_ready;

static void init_tables(void) {
    if (tables_ready) return;
    for (int i = 0; i < XM_MAX_COMMS; i++) comms[i] = MPI_COMM_NULL;
    for (int i = 0; i < XM_MAX_REQUESTS; i++) requests[i] = MPI_REQUEST_NULL;
    comms[0] = MPI_COMM_WORLD;
    tables_ready = 1;
}

static int comm_of(int h, MPI_Comm* out) {
    if (h < 0 || h >= XM_MAX_COMMS || comms[h] == MPI_COMM_NULL) return XM_ERR_BAD_HANDLE;
    *out = comms[h];
    return MPI_SUCCESS;
}

static int type_of(int t, MPI_Datatype* out, size_t* size) {
    switch (t) {
        case XM_FLOAT: *out = MPI_FLOAT; *size = 4; return MPI_SUCCESS;
        case XM_DOUBLE: *out = MPI_DOUBLE; *size = 8; return MPI_SUCCESS;
        case XM_INT32: *out = MPI_INT32_T; *size = 4; return MPI_SUCCESS;
        case XM_INT64: *out = MPI_INT64_T; *size = 8; return MPI_SUCCESS;
        case XM_BYTE: *out = MPI_BYTE; *size = 1; return MPI_SUCCESS;
        default: return XM_ERR_BAD_TYPE;
    }
}

static int op_of(int o, MPI_Op* out) {
    switch (o) {
        case XM_SUM: *out = MPI_SUM; return MPI_SUCCESS;
        case XM_MAX: *out = MPI_MAX; return MPI_SUCCESS;
        case XM_MIN: *out = MPI_MIN; return MPI_SUCCESS;
        default: return XM_ERR_BAD_OP;
    }
}

/* .NET loads this shim with RTLD_LOCAL; OpenMPI's dlopen'ed components expect libmpi's symbols to be
 * global (mpi4py does the same promotion). Re-open the library that defines MPI_Init as global. */
static void promote_libmpi_global(void) {
    Dl_info info;
    if (dladdr((void*)&MPI_Init, &info) && info.dli_fname)
        dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

int xm_init(int required, int* provided) {
    int flag = 0;
    init_tables();
    MPI_Initialized(&flag);
    if (flag) { MPI_Query_thread(provided); return MPI_SUCCESS; }
    promote_libmpi_global();
    int rc = MPI_Init_thread(NULL, NULL, required, provided);
    if (rc != MPI_SUCCESS) return rc;
    if ((rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN))) return rc;
    return xw_init();
}

int xm_thread_level_code(int which) {
    switch (which) {
        case 0: return MPI_THREAD_SINGLE;
        case 1: return MPI_THREAD_FUNNELED;
        case 2: return MPI_THREAD_SERIALIZED;
        default: return MPI_THREAD_MULTIPLE;
    }
}

int xm_initialized(void) { int f = 0; MPI_Initialized(&f); return f; }
int xm_finalized(void) { int f = 0; MPI_Finalized(&f); return f; }

int xm_finalize(void) {
    int flag = 0;
    MPI_Finalized(&flag);
    if (flag) return MPI_SUCCESS;
    xw_finalize();
    for (int i = 1; i < XM_MAX_COMMS; i++)
        if (comms[i] != MPI_COMM_NULL) { MPI_Comm_free(&comms[i]); comms[i] = MPI_COMM_NULL; }
    return MPI_Finalize();
}

int xm_comm_rank(int h, int* rank) {
    MPI_Comm c; int rc = comm_of(h, &c); if (rc) return rc;
    return MPI_Comm_rank(c, rank);
}

int xm_comm_size(int h, int* size) {
    MPI_Comm c; int rc = comm_of(h, &c); if (rc) return rc;
    return MPI_Comm_size(c, size);
}

/* Puts a new communicator in the handle table (errors returned, not fatal); NULL gives handle -1. */
static int adopt_comm(MPI_Comm nc, int* out) {
    *out = -1;
    if (nc == MPI_COMM_NULL) return MPI_SUCCESS;
    for (int i = 1; i < XM_MAX_COMMS; i++) {
        if (comms[i] == MPI_COMM_NULL) {
            comms[i] = nc;
            *out = i;
            return MPI_Comm_set_errhandler(nc, MPI_ERRORS_RETURN);
        }
    }
    MPI_Comm_free(&nc);
    return XM_ERR_TOO_MANY;
}

/* color < 0 means MPI_UNDEFINED: this rank joins no new communicator and gets handle -1. */
int xm_comm_split(int h, int color, int key, int* out) {
    MPI_Comm c; int rc = comm_of(h, &c); if (rc) return rc;
    *out = -1;
    MPI_Comm nc;
    if ((rc = xw_arrive(c, XW_SPLIT))) return rc;
    rc = MPI_Comm_split(c, color < 0 ? MPI_UNDEFINED : color, key, &nc);
    xw_done();
    if (rc != MPI_SUCCESS) return rc;
    return adopt_comm(nc, out);
}

/* The ranks that share memory with this one (one node), ordered like the parent: rank in it = node-local rank. */
int xm_comm_split_shared(int h, int* out) {
    MPI_Comm c; int rc = comm_of(h, &c); if (rc) return rc;
    *out = -1;
    int rank; MPI_Comm_rank(c, &rank);
    MPI_Comm nc;
    if ((rc = xw_arrive(c, XW_SPLIT))) return rc;
    rc = MPI_Comm_split_type(c, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &nc);
    xw_done();
    if (rc != MPI_SUCCESS) return rc;
    return adopt_comm(nc, out);
}

/* Whether the MPI library accepts CUDA device pointers in communication calls, asked at run time:
   1 yes, 0 no, -1 this MPI has no MPIX_Query_cuda_support (OpenMPI's mpi-ext and MPICH >= 4 have it).
   Weak, so the shim still loads with an MPI that lacks the extension. */
extern int MPIX_Query_cuda_support(void);
#pragma weak MPIX_Query_cuda_support
int xm_query_cuda_support(void) {
    if (&MPIX_Query_cuda_support == NULL) return -1;
    return MPIX_Query_cuda_support() ? 1 : 0;
}

int xm_comm_free(int h) {
    if (h <= 0) return h == 0 ? MPI_SUCCESS : XM_ERR_BAD_HANDLE; /* world is never freed */
    MPI_Comm c; int rc = comm_of(h, &c); if (rc) return rc;
    rc = MPI_Comm_free(&comms[h]);
    comms[h] = MPI_COMM_NULL;
    return rc;
}

/* In place. Counts above INT_MAX go through in INT_MAX-sized pieces (MPI counts are int). */
int xm_allreduce(int h, void* buf, long long count, int type, int op) {
    MPI_Comm c; MPI_Datatype t; MPI_Op o; size_t es;
    int rc = comm_of(h, &c); if (rc) return rc;
    if ((rc = type_of(type, &t, &es))) return rc;
    if ((rc = op_of(op, &o))) return rc;
    if (count < 0) return XM_ERR_COUNT;
    if ((rc = xw_arrive(c, XW_ALLREDUCE))) return rc;
    char* p = (char*)buf;
    while (count > 0) {
        int n = count > INT_MAX ? INT_MAX : (int)count;
        rc = MPI_Allreduce(MPI_IN_PLACE, p, n, t, o, c);
        if (rc != MPI_SUCCESS) break;
        p += (size_t)n * es;
        count -= n;
    }
    xw_done();
    return rc;
}

static int new_request(int* out) {
    for (int i = 0; i < XM_MAX_REQUESTS; i++)
        if (requests[i] == MPI_REQUEST_NULL) { *out = i; return MPI_SUCCESS; }
    return XM_ERR_TOO_MANY;
}

int xm_iallreduce(int h, void* buf, long long count, int type, int op, int* req) {
    MPI_Comm c; MPI_Datatype t; MPI_Op o; size_t es;
    int rc = comm_of(h, &c); if (rc) return rc;
    if ((rc = type_of(type, &t, &es))) return rc;
    if ((rc = op_of(op, &o))) return rc;
    if (count < 0 || count > INT_MAX) return XM_ERR_COUNT;
    int slot;
    if ((rc = new_request(&slot))) return rc;
    rc = MPI_Iallreduce(MPI_IN_PLACE, buf, (int)count, t, o, c, &requests[slot]);
    if (rc != MPI_SUCCESS) { requests[slot] = MPI_REQUEST_NULL; return rc; }
    request_comms[slot] = c;
    *req = slot;
    return MPI_SUCCESS;
}

/* With a collective timeout: polled against it (the request is its own arrival signal). */
int xm_wait(int req) {
    if (req < 0 || req >= XM_MAX_REQUESTS) return XM_ERR_BAD_HANDLE;
    if (xw_enabled() && requests[req] != MPI_REQUEST_NULL) return xw_wait(&requests[req], request_comms[req], XW_IALLREDUCE_WAIT);
    return MPI_Wait(&requests[req], MPI_STATUS_IGNORE); /* sets the slot back to MPI_REQUEST_NULL */
}

int xm_test(int req, int* done) {
    if (req < 0 || req >= XM_MAX_REQUESTS) return XM_ERR_BAD_HANDLE;
    return MPI_Test(&requests[req], done, MPI_STATUS_IGNORE);
}

int xm_bcast(int h, void* buf, long long count, int type, int root) {
    MPI_Comm c; MPI_Datatype t; size_t es;
    int rc = comm_of(h, &c); if (rc) return rc;
    if ((rc = type_of(type, &t, &es))) return rc;
    if (count < 0) return XM_ERR_COUNT;
    if ((rc = xw_arrive(c, XW_BCAST))) return rc;
    char* p = (char*)buf;
    while (count > 0) {
        int n = count > INT_MAX ? INT_MAX : (int)count;
        if ((rc = MPI_Bcast(p, n, t, root, c))) break;
        p += (size_t)n * es;
        count -= n;
    }
    xw_done();
    return rc;
}

/* Fixed-size: every rank sends `bytes` bytes; recv holds size*bytes. */
int xm_allgather(int h, const void* send, int bytes, void* recv) {
    MPI_Comm c; int rc = comm_of(h, &c); if (rc) return rc;
    if ((rc = xw_arrive(c, XW_ALLGATHER))) return rc;
    rc = MPI_Allgather(send, bytes, MPI_BYTE, recv, bytes, MPI_BYTE, c);
    xw_done();
    return rc;
}

/* Variable-size, in bytes: counts/displs have one int per rank. */
int xm_allgatherv(int h, const void* send, int bytes, void* recv, const int* counts, const int* displs) {
    MPI_Comm c; int rc = comm_of(h, &c); if (rc) return rc;
    if ((rc = xw_arrive(c, XW_ALLGATHERV))) return rc;
    rc = MPI_Allgatherv(send, bytes, MPI_BYTE, recv, counts, displs, MPI_BYTE, c);
    xw_done();
    return rc;
}

int xm_barrier(int h) {
    MPI_Comm c; int rc = comm_of(h, &c); if (rc) return rc;
    if (xw_enabled()) return xw_barrier(c); /* the arrival check is the whole barrier */
    return MPI_Barrier(c);
}

int xm_abort(int h, int code) {
    MPI_Comm c;
    if (comm_of(h, &c)) c = MPI_COMM_WORLD;
    return MPI_Abort(c, code);
}

double xm_wtime(void) { return MPI_Wtime(); }

void xm_error_string(int code, char* buf, int len) {
    if (len <= 0) return;
    const char* own = NULL;
    switch (code) {
        case XM_ERR_BAD_HANDLE: own = "invalid or freed communicator/request handle"; break;
        case XM_ERR_TOO_MANY: own = "too many live communicators or requests in the shim"; break;
        case XM_ERR_BAD_TYPE: own = "unknown datatype code"; break;
        case XM_ERR_BAD_OP: own = "unknown reduction op code"; break;
        case XM_ERR_COUNT: own = "element count out of range"; break;
        case XM_ERR_NOMEM: own = "out of memory"; break;
        case XM_ERR_TIMEOUT: case XM_ERR_MISMATCH: own = xw_message(); break;
    }
    if (own) { snprintf(buf, (size_t)len, "%s", own); return; }
    char tmp[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(code, tmp, &n) != MPI_SUCCESS) snprintf(tmp, sizeof tmp, "MPI error %d", code);
    snprintf(buf, (size_t)len, "%s", tmp);
}

void xm_library_version(char* buf, int len) {
    char tmp[MPI_MAX_LIBRARY_VERSION_STRING];
    int n = 0;
    if (len <= 0) return;
    if (MPI_Get_library_version(tmp, &n) != MPI_SUCCESS) tmp[0] = 0;
    snprintf(buf, (size_t)len, "%s", tmp);
}

int xm_processor_name(char* buf, int len) {
    char tmp[MPI_MAX_PROCESSOR_NAME];
    int n = 0;
    int rc = MPI_Get_processor_name(tmp, &n);
    if (len > 0) snprintf(buf, (size_t)len, "%s", rc == MPI_SUCCESS ? tmp : "");
    return rc;
}

/* Gradient buckets: allocated once, 2 MiB aligned so the kernel can back them with huge pages, and
 * never returned to the OS between steps (the page-fault cost of a fresh 47 MB buffer per step is
 * what made the naive exchange 2-3x slower).
 * A mapping of its own, not posix_memalign: a 2 MiB-aligned block from malloc sits in the brk heap, and
 * madvise(MADV_HUGEPAGE) on it split the heap's VMA so that the part holding the block carried VM_HUGEPAGE; the heap
 * then grew on from that VMA, and every later libtorch allocation (activations, gradients, Adam state) was backed by
 * transparent huge pages too. On the test VM, after hours of uptime, that made a 1-rank ResNet-18 step 1.3-3x slower
 * and erratic (forward 180 -> 230-610 ms, Adam 20 -> 60-300 ms; 2026-12-02; a freshly booted VM showed no cost), and
 * it is a side effect nobody asked for on a cluster node. The buffer keeps its own huge-page advice; nothing else is
 * touched. The mapping's start and size are stored just in front of the block so xm_free_buffer can unmap it. */
int xm_alloc_buffer(long long bytes, void** out) {
    const size_t align = 2u << 20;
    size_t n = ((size_t)(bytes > 0 ? bytes : 1) + align - 1) & ~(align - 1);
    size_t total = n + 2 * align; /* room to align the start and for the size header */
    unsigned char* raw = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return XM_ERR_NOMEM;
    unsigned char* p = (unsigned char*)(((uintptr_t)raw + align + align - 1) & ~(uintptr_t)(align - 1));
    ((size_t*)p)[-1] = total;
    ((unsigned char**)p)[-2] = raw;
#ifdef MADV_HUGEPAGE
    madvise(p, n, MADV_HUGEPAGE); /* advisory, and only for this mapping: fine if THP is disabled */
#endif
    memset(p, 0, n); /* touch every page now, not inside the first timed step */
    *out = p;
    return MPI_SUCCESS;
}

void xm_free_buffer(void* p) {
    if (p == NULL) return;
    size_t total = ((size_t*)p)[-1];
    munmap(((unsigned char**)p)[-2], total);
}

/* .NET's Environment.SetEnvironmentVariable does not reach the C environment that MPI_Init reads
 * OMPI_MCA_* settings from, so defaults are set here. overwrite=0 keeps a value the user set. */
int xm_setenv(const char* name, const char* value, int overwrite) {
    return setenv(name, value, overwrite) == 0 ? MPI_SUCCESS : XM_ERR_NOMEM;
}

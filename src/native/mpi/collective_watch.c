/* Collective timeout: a rank that stops (SIGSTOP, a hung NFS read, a lost node that the launcher does not
 * notice) must end the job with a message instead of leaving every other rank blocked in a collective
 * until the allocation's time limit.
 *
 * Off (timeout 0, the default) every collective is the plain blocking MPI call. On, a blocking collective
 * is split in two phases:
 *  1. Arrival: a 16-byte MPI_Iallreduce (max of the operation code and of its negation, so every rank also
 *     learns whether all of them entered the same collective) on the same communicator, polled with
 *     MPI_Test against the deadline. While
 *     polling, a rank answers "where are you?" queries on a private duplicate of MPI_COMM_WORLD. A rank
 *     whose deadline passes asks every other member of the communicator, waits a short grace period for
 *     answers and reports: who did not answer (had not arrived: stopped, hung or still computing), who
 *     answered from another collective (the ranks' call orders diverged), who was waiting with it.
 *     Nothing else is sent on the normal path: its cost is one 16-byte allreduce's latency per collective.
 *  2. Payload: the library's own blocking collective (the tuned ring allreduce stays in use), watched by a
 *     thread that aborts the job when it has not returned within the timeout (every rank had arrived, so
 *     a rank stopped during the exchange; nobody can be asked then).
 * Nonblocking requests (Iallreduce) are their own arrival signal: their wait is polled like phase 1.
 * Off (timeout 0) nothing here runs.
 */
#define _GNU_SOURCE
#include "collective_watch.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TAG_QUERY 7101
#define TAG_ANSWER 7102
#define HOST_LEN 56
#define LIST_MAX 16 /* ranks named per category; the rest are counted */

typedef struct { int pid; char host[HOST_LEN]; } who_t;

static double timeout_s; /* 0: off */
static MPI_Comm control = MPI_COMM_NULL;
static int me = -1, world_n;
static who_t* who; /* every world rank's pid and host, for the message */
static _Atomic long long step = -1; /* set by the caller (the training step), -1: none */
static long long seq; /* collectives this process has entered */
static int waiting_op; /* what this rank is polling in (0: nothing), for answers */
static long long waiting_seq;
static char message[8192];

/* The watchdog of phase 2. */
static int dog_started;
static _Atomic long long armed_seq; /* 0: nothing armed */
static _Atomic long long armed_deadline;
static _Atomic int armed_op, armed_size;

static const char* op_name(int op) {
    switch (op) {
        case XW_ALLREDUCE: return "MPI_Allreduce";
        case XW_BCAST: return "MPI_Bcast";
        case XW_ALLGATHER: return "MPI_Allgather";
        case XW_ALLGATHERV: return "MPI_Allgatherv";
        case XW_BARRIER: return "MPI_Barrier";
        case XW_SPLIT: return "MPI_Comm_split";
        case XW_IALLREDUCE_WAIT: return "MPI_Iallreduce (wait)";
        default: return "no collective";
    }
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long timeout_ns(void) { return (long long)(timeout_s * 1e9); }

/* Answers take at most this long: every polling rank answers within microseconds, this is for ranks
 * descheduled on a busy node. */
static long long grace_ns(void) {
    double g = timeout_s / 4;
    if (g < 0.5) g = 0.5;
    if (g > 5) g = 5;
    return (long long)(g * 1e9);
}

static int step_text(char* buf, size_t len, long long s) {
    return s >= 0 ? snprintf(buf, len, "step %lld", s) : snprintf(buf, len, "outside the training steps");
}

int xw_init(void) {
    int rc;
    if ((rc = MPI_Comm_rank(MPI_COMM_WORLD, &me))) return rc;
    if ((rc = MPI_Comm_size(MPI_COMM_WORLD, &world_n))) return rc;
    if ((rc = MPI_Comm_dup(MPI_COMM_WORLD, &control))) return rc;
    MPI_Comm_set_errhandler(control, MPI_ERRORS_RETURN);
    who = calloc((size_t)world_n, sizeof *who);
    if (!who) return MPI_ERR_NO_MEM;
    who_t mine;
    memset(&mine, 0, sizeof mine);
    mine.pid = (int)getpid();
    gethostname(mine.host, HOST_LEN - 1);
    return MPI_Allgather(&mine, sizeof mine, MPI_BYTE, who, sizeof mine, MPI_BYTE, MPI_COMM_WORLD);
}

void xw_finalize(void) {
    timeout_s = 0;
    atomic_store(&armed_seq, 0);
    if (control != MPI_COMM_NULL) MPI_Comm_free(&control);
    free(who);
    who = NULL;
}

int xw_enabled(void) { return timeout_s > 0; }

const char* xw_message(void) { return message; }

static void* watchdog(void* unused) {
    (void)unused;
    for (;;) {
        double period = timeout_s / 8;
        if (period < 0.05) period = 0.05;
        if (period > 1) period = 1;
        struct timespec p = { (time_t)period, (long)((period - (time_t)period) * 1e9) };
        nanosleep(&p, NULL);
        long long s = atomic_load(&armed_seq);
        if (s == 0 || now_ns() < atomic_load(&armed_deadline) || atomic_load(&armed_seq) != s) continue;
        char st[64];
        step_text(st, sizeof st, atomic_load(&step));
        fprintf(stderr, "[xrayhpc] rank %d of %d aborting the MPI job (code 1): collective timeout: %s (%s, collective #%lld "
                "of rank %d) did not complete within %g s although all %d ranks of its communicator had arrived: a rank "
                "stopped or lost its connection during the exchange\n",
                me, world_n, op_name(atomic_load(&armed_op)), st, s, me, timeout_s, atomic_load(&armed_size));
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 1); /* from this thread: the main one is blocked inside MPI */
        _exit(1);
    }
    return NULL;
}

int xm_set_collective_timeout(double seconds) {
    timeout_s = seconds > 0 ? seconds : 0;
    if (timeout_s > 0 && !dog_started) {
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &a, watchdog, NULL);
        pthread_attr_destroy(&a);
        if (rc) { timeout_s = 0; return MPI_ERR_OTHER; }
        dog_started = 1;
    }
    return MPI_SUCCESS;
}

void xm_set_collective_step(long long s) { atomic_store(&step, s); }

static void answer_queries(void) {
    for (;;) {
        int flag = 0;
        MPI_Status st;
        if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_QUERY, control, &flag, &st) != MPI_SUCCESS || !flag) return;
        long long q[2];
        if (MPI_Recv(q, 2, MPI_LONG_LONG, st.MPI_SOURCE, TAG_QUERY, control, MPI_STATUS_IGNORE) != MPI_SUCCESS) return;
        long long a[3] = { waiting_op, waiting_seq, atomic_load(&step) };
        MPI_Send(a, 3, MPI_LONG_LONG, st.MPI_SOURCE, TAG_ANSWER, control); /* 24 bytes: eager, does not block */
    }
}

typedef struct { char* p; size_t left; } out_t;

static void put(out_t* o, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_t* o, const char* fmt, ...) {
    if (o->left <= 1) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p, o->left, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t k = (size_t)n < o->left ? (size_t)n : o->left - 1;
    o->p += k;
    o->left -= k;
}

/* The deadline passed in phase 1: ask the other members where they are, write the message. */
static int stalled(MPI_Request* r, MPI_Comm c, int op) {
    int n = 0, mine = 0;
    MPI_Comm_size(c, &n);
    MPI_Comm_rank(c, &mine);
    int* idx = malloc(sizeof(int) * (size_t)n);
    int* wr = malloc(sizeof(int) * (size_t)n);
    long long(*ans)[3] = calloc((size_t)n, sizeof *ans);
    char* answered = calloc((size_t)n, 1);
    if (!idx || !wr || !ans || !answered) {
        snprintf(message, sizeof message, "collective timeout: %s did not complete within %g s (no memory to ask the other ranks)", op_name(op), timeout_s);
        return XM_ERR_TIMEOUT;
    }
    MPI_Group g, wg;
    MPI_Comm_group(c, &g);
    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    for (int i = 0; i < n; i++) idx[i] = i;
    MPI_Group_translate_ranks(g, n, idx, wg, wr);
    MPI_Group_free(&g);
    MPI_Group_free(&wg);

    long long q[2] = { op, seq };
    for (int i = 0; i < n; i++)
        if (i != mine) MPI_Send(q, 2, MPI_LONG_LONG, wr[i], TAG_QUERY, control);
    answered[mine] = 1;
    ans[mine][0] = op; ans[mine][1] = seq; ans[mine][2] = atomic_load(&step);
    int pending = n - 1, done = 0;
    long long end = now_ns() + grace_ns();
    while (pending > 0 && now_ns() < end) {
        answer_queries(); /* the others may be asking too */
        if (!done) MPI_Test(r, &done, MPI_STATUS_IGNORE);
        int flag = 0;
        MPI_Status st;
        if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_ANSWER, control, &flag, &st) != MPI_SUCCESS || !flag) continue;
        long long a[3];
        MPI_Recv(a, 3, MPI_LONG_LONG, st.MPI_SOURCE, TAG_ANSWER, control, MPI_STATUS_IGNORE);
        for (int i = 0; i < n; i++)
            if (wr[i] == st.MPI_SOURCE && !answered[i]) {
                answered[i] = 1;
                memcpy(ans[i], a, sizeof a);
                pending--;
            }
    }

    out_t o = { message, sizeof message };
    char st[64];
    step_text(st, sizeof st, ans[mine][2]);
    put(&o, "collective timeout: %s (%s, collective #%lld of rank %d) did not complete within %g s on a communicator of %d ranks", op_name(op), st,
        seq, me, timeout_s, n);
    /* 0: not arrived, 1: waiting elsewhere, 2: waiting in this collective */
    static const char* heads[3] = { "; NOT ARRIVED (no answer within %g s: stopped, hung in I/O, or still computing): ",
                                    "; waiting in a different collective (the ranks' call orders diverged): ",
                                    "; arrived: " };
    for (int kind = 0; kind < 3; kind++) {
        int shown = 0, total = 0;
        for (int i = 0; i < n; i++) {
            int k = !answered[i] ? 0 : (ans[i][0] != op ? 1 : 2);
            if (k != kind) continue;
            if (total++ == 0) put(&o, heads[kind], grace_ns() / 1e9);
            if (shown >= LIST_MAX) continue;
            put(&o, "%srank %d", shown ? ", " : "", wr[i]);
            if (kind == 0 && who && wr[i] < world_n) put(&o, " (pid %d on %s)", who[wr[i]].pid, who[wr[i]].host);
            if (kind == 1) {
                step_text(st, sizeof st, ans[i][2]);
                put(&o, " in %s (%s)", op_name((int)ans[i][0]), st);
            }
            shown++;
        }
        if (total > shown) put(&o, " and %d more", total - shown);
    }
    free(idx); free(wr); free(ans); free(answered);
    return XM_ERR_TIMEOUT;
}

/* Phase 1: polls r until it completes (0), fails (its code) or the deadline passes (XM_ERR_TIMEOUT). */
static int poll_request(MPI_Request* r, MPI_Comm c, int op) {
    long long deadline = now_ns() + timeout_ns();
    waiting_op = op;
    waiting_seq = seq;
    for (unsigned i = 1;; i++) {
        int done = 0;
        int rc = MPI_Test(r, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS || done) { waiting_op = 0; return rc; }
        if ((i & 31) == 0) {
            answer_queries();
            if (now_ns() > deadline) { rc = stalled(r, c, op); waiting_op = 0; return rc; }
        }
    }
}

/* Phase 1 for op on c: every rank arrived, and in the same operation. */
static int arrival(MPI_Comm c, int op) {
    seq++;
    long long codes[2] = { op, -op };
    MPI_Request r;
    int rc = MPI_Iallreduce(MPI_IN_PLACE, codes, 2, MPI_LONG_LONG, MPI_MAX, c, &r);
    if (rc == MPI_SUCCESS) rc = poll_request(&r, c, op);
    if (rc != MPI_SUCCESS) return rc;
    if (codes[0] != op || -codes[1] != op) {
        int n = 0;
        MPI_Comm_size(c, &n);
        char st[64];
        step_text(st, sizeof st, atomic_load(&step));
        snprintf(message, sizeof message, "collective mismatch: rank %d entered %s (%s, collective #%lld of rank %d) while other "
                 "ranks of its communicator of %d ranks entered %s: the ranks' call orders diverged",
                 me, op_name(op), st, seq, me, n, op_name((int)(codes[0] != op ? codes[0] : -codes[1])));
        return XM_ERR_MISMATCH;
    }
    return MPI_SUCCESS;
}

int xw_arrive(MPI_Comm c, int op) {
    if (timeout_s <= 0) return MPI_SUCCESS;
    int rc = arrival(c, op);
    if (rc != MPI_SUCCESS) return rc;
    int n = 0;
    MPI_Comm_size(c, &n);
    atomic_store(&armed_op, op);
    atomic_store(&armed_size, n);
    atomic_store(&armed_deadline, now_ns() + timeout_ns());
    atomic_store(&armed_seq, seq); /* last: the watchdog reads the fields above only after seeing this */
    return MPI_SUCCESS;
}

void xw_done(void) {
    if (timeout_s > 0) atomic_store(&armed_seq, 0);
}

int xw_wait(MPI_Request* r, MPI_Comm c, int op) {
    seq++;
    return poll_request(r, c, op);
}

int xw_barrier(MPI_Comm c) { return arrival(c, XW_BARRIER); }

/*
 * claimref: an independent C11 implementation of Xen's memory capacity claims, for the profiles xen-4.22 and
 * reference of ClaimVerified, written from ../../docs/protocol.md, the project's reference text on Xen's claims and
 * its specification (model/ClaimVerified.Specification). Not derived from Xen's sources.
 *
 * Accounting is in counts, never per page. Locks are where Xen takes them: the global heap_lock (free pages, claims,
 * Xen's own heap, offlined pages), a page_alloc_lock per domain (tot, extra, max, the domain's pages per node), and
 * the global domctl_lock (creation, max_mem, domain_kill, claim sets); order domctl_lock -> page_alloc_lock ->
 * heap_lock, never two page_alloc_locks at once (but in the audit, which runs with nothing in flight).
 *
 * Broken builds: -DCLAIMREF_BROKEN=<name>, <name> one of the identifiers below (README.md says what each does).
 */
#ifndef CLAIMREF_H
#define CLAIMREF_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the broken builds ---------------------------------------------------------------------------------------- */

#define CR_ID_unlocked_check 1
#define CR_ID_off_by_one 2
#define CR_ID_no_release_on_kill 3
#define CR_ID_claim_not_consumed 4
#define CR_ID_torn_physinfo 5
#define CR_ID_unlocked_dying_check 6

#define CR_PASTE(a, b) a##b
#define CR_XPASTE(a, b) CR_PASTE(a, b)
#define CR_XSTR(x) CR_STR(x)
#define CR_STR(x) #x

#ifdef CLAIMREF_BROKEN
#define CR_BROKEN_ID CR_XPASTE(CR_ID_, CLAIMREF_BROKEN)
#if CR_BROKEN_ID == 0
#error "CLAIMREF_BROKEN names no broken build: unlocked_check, off_by_one, no_release_on_kill, claim_not_consumed, torn_physinfo, unlocked_dying_check"
#endif
#define CR_BROKEN_NAME CR_XSTR(CLAIMREF_BROKEN)
#else
#define CR_BROKEN_ID 0
#define CR_BROKEN_NAME ""
#endif

/* True in the broken build <name>: `#if CR_BROKEN(off_by_one)`. */
#define CR_BROKEN(name) (CR_BROKEN_ID == CR_PASTE(CR_ID_, name))

/* ---- limits (a limit on everything) --------------------------------------------------------------------------- */

#define CR_MAX_NODES 64
#define CR_MAX_PAGES_PER_NODE (INT64_C(1) << 40)
/* Xen's DOMID_FIRST_RESERVED: no domid reaches it. */
#define CR_DOMID_LIMIT 0x7FF0
/* max_pages is an unsigned int in Xen; a larger request saturates there (017e667c43). */
#define CR_MAX_PAGES_LIMIT INT64_C(4294967295)
/* Pages domain_kill relinquishes per continuation. */
#define CR_RELINQUISH_CHUNK INT64_C(512)
/* MAX_NUMNODES + 1: a longer claim set is E2BIG. */
#define CR_MAX_CLAIM_ENTRIES 65

/* ---- results --------------------------------------------------------------------------------------------------- */

typedef enum {
    CR_OK = 0,
    CR_EPERM = 1,
    CR_ENOENT = 2,
    CR_ESRCH = 3,
    CR_E2BIG = 7,
    CR_ENOMEM = 12,
    CR_EBUSY = 16,
    CR_EINVAL = 22,
    CR_ENOSYS = 38,
    CR_ERESTART = 85,
    CR_EOPNOTSUPP = 95,
} cr_errno;

/* What a call returns: ok and its value (a domid, pages), or an errno (value 0). */
typedef struct {
    cr_errno rc;
    int64_t value;
} cr_result;

const char *cr_errno_name(cr_errno rc);

typedef enum { CR_PROFILE_XEN_4_22, CR_PROFILE_REFERENCE } cr_profile;

typedef enum { CR_CALLER_DOM0, CR_CALLER_XEN, CR_CALLER_GUEST } cr_caller_kind;

/* Who calls: the toolstack (dom0, the default), Xen itself, or a guest acting on itself. */
typedef struct {
    cr_caller_kind kind;
    int32_t domid; /* the guest's own domid */
} cr_caller;

typedef enum { CR_ALIVE, CR_DYING, CR_DEAD, CR_DESTROYED } cr_state;

typedef enum { CR_TARGET_NODE, CR_TARGET_GLOBAL, CR_TARGET_LEGACY } cr_target;

/* One entry of a claim set: pages on a node, on any node (global), or by the legacy rules (alone in its set). */
typedef struct {
    int64_t pages;
    cr_target target;
    int64_t node; /* CR_TARGET_NODE: any 32-bit value; a node that is not online is ENOENT */
} cr_claim_entry;

typedef struct cr_domain {
    int32_t id;
    pthread_mutex_t page_alloc_lock;
    /* Written under domctl_lock (xen-4.22) or under domctl_lock, page_alloc_lock and heap_lock (reference); read
     * anywhere (Xen reads is_dying without a lock). A cr_state. */
    _Atomic int state;
    /* ---- guarded by page_alloc_lock ---- */
    int64_t tot;   /* tot_pages, extra pages included (4.14 and later) */
    int64_t extra; /* extra_pages */
    int64_t max;   /* max_pages */
    int64_t pages[CR_MAX_NODES]; /* the domain's pages (refcounted and extra) per node; they sum to tot */
    /* ---- guarded by the host's heap_lock ---- */
    int64_t claim;                     /* outstanding_pages: the whole claim (set) */
    int64_t node_claims[CR_MAX_NODES]; /* its node-bound parts; the rest is global */
    int last_alloc_node;               /* the node its last allocation came from (0 at creation); the next starts after it */
    /* ---- written under domctl_lock, read under heap_lock ---- */
    uint64_t affinity;                 /* node_affinity: bit n for host node n; all of them at creation */
    /* ---- domctl_lock ---- */
    bool unpaused;                     /* the toolstack's one unpause was made (controller_pause_count 1 -> 0) */
} cr_domain;

typedef struct cr_host {
    cr_profile profile;
    bool reference; /* profile == CR_PROFILE_REFERENCE */
    int nodes;
    int64_t pages_per_node;
    bool llc;
    pthread_mutex_t heap_lock;
    pthread_mutex_t domctl_lock;
    /* ---- guarded by heap_lock ---- */
    int64_t free;                      /* total_avail_pages */
    int64_t node_free[CR_MAX_NODES];   /* node_avail_pages */
    int64_t outstanding;               /* outstanding_claims */
    int64_t node_outstanding[CR_MAX_NODES];
    int64_t xenheap[CR_MAX_NODES];     /* Xen's own heap, per node */
    int64_t offlined;
    /* Pages page sharing moved to the shared owner; changed under the sharer's page_alloc_lock (an atomic, as Xen's
     * nr_shared_mfns). */
    _Atomic int64_t shared;
    /* ---- the domain table: an entry is written once, under domctl_lock, and read without a lock (Xen's RCU list).
     * Destroyed domains stay (their state says so), so that a claim they leaked stays counted. */
    _Atomic(cr_domain *) domains[CR_DOMID_LIMIT];
    int32_t next_domid; /* domctl_lock */
} cr_host;

/* The host's counters as physinfo gives them (per node too). */
typedef struct {
    int64_t free, outstanding;
    int64_t node_free[CR_MAX_NODES], node_outstanding[CR_MAX_NODES];
} cr_physinfo;

/* Every host counter, read with nothing in flight. */
typedef struct {
    cr_physinfo phys;
    int64_t offlined, shared, xenheap;
} cr_audit;

/* getdomaininfo's counters. */
typedef struct {
    cr_state state;
    int64_t tot, extra, max, claim;
    int64_t node_claims[CR_MAX_NODES];
} cr_domaininfo;

/* A fresh host of nodes x pages_per_node free pages, or NULL when memory runs out. The caller has validated the shape. */
cr_host *cr_host_new(cr_profile profile, int nodes, int64_t pages_per_node, bool llc);
void cr_host_free(cr_host *h);

/* Yield points, in every build: with yield on, the processor is given up at each (protocol: hello's "yield"). */
void cr_set_yield(bool on);
/* A call enters flight (dispatched) and leaves it (answered): what the yield points wait for. */
void cr_call_begin(void);
void cr_call_end(void);

cr_result cr_create(cr_host *h, cr_caller by, int64_t max);
cr_result cr_maxmem(cr_host *h, cr_caller by, int32_t domid, int64_t max);
cr_result cr_claim(cr_host *h, cr_caller by, int32_t domid, int64_t pages, bool soft);
cr_result cr_claimset(cr_host *h, cr_caller by, int32_t domid, const cr_claim_entry *entries, size_t count);
/* XEN_DOMCTL_setnodeaffinity: bit n for node n (0..63); all 64 bits reset it to every node; none of the host's: EINVAL. */
cr_result cr_node_affinity(cr_host *h, cr_caller by, int32_t domid, uint64_t nodes);
/* XEN_DOMCTL_unpausedomain: the toolstack's one unpause; a second one is EINVAL (the pause count would go below 0). */
cr_result cr_unpause(cr_host *h, cr_caller by, int32_t domid);

/* populate (extra false) and extra (true); has_node false lets the allocator choose; exact: that node or nothing. */
cr_result cr_alloc(cr_host *h, cr_caller by, int32_t domid, int32_t order, bool has_node, int32_t node, bool exact, bool extra);
cr_result cr_decrease(cr_host *h, cr_caller by, int32_t domid, int32_t order);
cr_result cr_share(cr_host *h, cr_caller by, int32_t domid);
cr_result cr_offline(cr_host *h, cr_caller by, int32_t node);
cr_result cr_xen_alloc(cr_host *h, cr_caller by, int32_t order, bool has_node, int32_t node, bool exact);
cr_result cr_xen_free(cr_host *h, cr_caller by, int64_t pages);
/* tmem-put, tmem-flush, tmem-flush-all: tmem left Xen in 4.13; neither profile has it. */
cr_result cr_tmem(cr_host *h, cr_caller by);
cr_result cr_kill(cr_host *h, cr_caller by, int32_t domid);
cr_result cr_kill_step(cr_host *h, cr_caller by, int32_t domid);
cr_result cr_destroy(cr_host *h, cr_caller by, int32_t domid);
void cr_physinfo_read(cr_host *h, cr_physinfo *out);
/* CR_OK with the counters, or CR_ESRCH for an unknown or destroyed domain. */
cr_errno cr_domaininfo_read(cr_host *h, int32_t domid, cr_domaininfo *out);
/* Every host counter; with nothing in flight. Returns false (and says why in problem) if a page was lost or invented
 * or the claims do not add up. */
bool cr_audit_read(cr_host *h, cr_audit *out, char *problem, size_t problem_size);

#endif

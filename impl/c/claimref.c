/*
 * claimref's accounting: every entry point of docs/protocol.md, with Xen's checks in Xen's order (as the project's
 * specification states them) and its locks where Xen takes them. Two profiles:
 *
 *   xen-4.22   Xen 4.22.0 and master: the claim's dying check in the XENMEM_claim_pages wrapper reads is_dying with no
 *              lock; an allocation takes its pages (and redeems the claim) in one heap_lock section and assigns them
 *              in another, under page_alloc_lock; a free lowers tot_pages under page_alloc_lock, then returns the pages
 *              under heap_lock; domain_kill runs in continuations, each under domctl_lock; claim arithmetic wraps;
 *              offlining ignores claims; max_mem ignores claims; no claim sets (ENOSYS).
 *   reference  the project's recommended design: claim sets, the dying check under the locks that stake the claim,
 *              no wrap, offlining that keeps claims backed (EBUSY), max_mem that trims the claim, an allocation check
 *              that lets a domain combine its claim with unclaimed pages, and every operation's accounting in one
 *              critical section (page_alloc_lock around heap_lock): linearizable.
 *
 * Every path that takes pages out of one place puts them in another within the operation: no page is lost or
 * invented (cr_audit_read checks it).
 */
#define _POSIX_C_SOURCE 200809L

#include "claimref.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers --------------------------------------------------------------------------------------------------- */

static _Atomic bool yield_on;
static _Atomic long calls_in_flight;
static pthread_mutex_t yield_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t yield_cond = PTHREAD_COND_INITIALIZER;
static long calls_done; /* yield_lock */

/* How long a yield point waits for another call to finish: with other calls in flight, and with none. */
#define YIELD_BUSY_NS 2000000L
#define YIELD_ALONE_NS 300000L

void cr_set_yield(bool on) { atomic_store(&yield_on, on); }

void cr_call_begin(void) { atomic_fetch_add(&calls_in_flight, 1); }

void cr_call_end(void)
{
    atomic_fetch_sub(&calls_in_flight, 1);
    if (atomic_load_explicit(&yield_on, memory_order_relaxed)) {
        (void)pthread_mutex_lock(&yield_lock);
        calls_done++;
        (void)pthread_cond_broadcast(&yield_cond);
        (void)pthread_mutex_unlock(&yield_lock);
    }
}

/*
 * A yield point: between a check and the update that depends on it, between the two sections of a Xen path, between
 * two reads of one query. Present in every build, inside or outside the locks as the build has them. With yield on,
 * the thread gives up the processor until another call has finished (at most 2 ms when other calls are in flight,
 * 0.3 ms when none is), so that another client's call runs in the window if the build leaves one open; inside the
 * locks, the others wait for them and the wait times out.
 */
static void yield_point(void)
{
    if (!atomic_load_explicit(&yield_on, memory_order_relaxed)) {
        return;
    }

    long wait_ns = atomic_load(&calls_in_flight) > 1 ? YIELD_BUSY_NS : YIELD_ALONE_NS;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += wait_ns % 1000000000;
    deadline.tv_sec += wait_ns / 1000000000 + deadline.tv_nsec / 1000000000;
    deadline.tv_nsec %= 1000000000;
    (void)pthread_mutex_lock(&yield_lock);
    long seen = calls_done;
    while (calls_done == seen) {
        if (pthread_cond_timedwait(&yield_cond, &yield_lock, &deadline) != 0) {
            break;
        }
    }

    (void)pthread_mutex_unlock(&yield_lock);
    sched_yield();
}

static void lock(pthread_mutex_t *m) { (void)pthread_mutex_lock(m); }
static void unlock(pthread_mutex_t *m) { (void)pthread_mutex_unlock(m); }

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* a + b for counts that are never negative, at most INT64_MAX. */
static int64_t sat_add(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

/* Only orders 0, 9 and 18 exist (4 KiB, 2 MiB, 1 GiB); 0 for any other order. */
static int64_t extent_pages(int32_t order) { return order == 0 || order == 9 || order == 18 ? INT64_C(1) << order : 0; }

static bool privileged(cr_caller by) { return by.kind != CR_CALLER_GUEST; }

static bool may_act_on(cr_caller by, int32_t domid) { return privileged(by) || by.domid == domid; }

static cr_result ok(int64_t value) { return (cr_result){CR_OK, value}; }

static cr_result fail(cr_errno rc) { return (cr_result){rc, 0}; }

/* ok (value 0) or the errno: what a call that returns nothing on success answers. */
static cr_result result_of(cr_errno rc) { return (cr_result){rc, 0}; }

static cr_state state_of(cr_domain *d) { return (cr_state)atomic_load(&d->state); }

static void set_state(cr_domain *d, cr_state s) { atomic_store(&d->state, (int)s); }

/* domain_tot_pages(): tot_pages without extra pages (37663f36df). page_alloc_lock held. */
static int64_t domain_tot(const cr_domain *d) { return d->tot - d->extra; }

/* rcu_lock_domain_by_id: a domain that exists and is not destroyed, or NULL. */
static cr_domain *find_live(cr_host *h, int32_t domid)
{
    if (domid < 1 || domid >= CR_DOMID_LIMIT) {
        return NULL;
    }

    cr_domain *d = atomic_load(&h->domains[domid]);
    return d != NULL && state_of(d) != CR_DESTROYED ? d : NULL;
}

static bool node_ok(const cr_host *h, bool has_node, int32_t node) { return !has_node || (node >= 0 && node < h->nodes); }

/*
 * Free pages less claims, in Xen's unsigned arithmetic on xen-4.22 (a negative difference wraps and lets anything
 * through) and clamped at zero on reference.
 */
static int64_t unclaimed(const cr_host *h, int64_t difference)
{
    return difference >= 0 ? difference : h->reference ? 0 : INT64_MAX;
}

/* ---- claims, heap_lock held ------------------------------------------------------------------------------------ */

/* domain_set_outstanding_pages(d, 0): the whole claim (set) goes, and the host's counters with it. */
static void release_claim_locked(cr_host *h, cr_domain *d)
{
    h->outstanding -= d->claim;
    for (int n = 0; n < h->nodes; n++) {
        h->node_outstanding[n] -= d->node_claims[n];
        d->node_claims[n] = 0;
    }

    d->claim = 0;
}

/*
 * The claim gives back `pages` (at most the claim): first from `node`'s claim (none when node < 0), then the global
 * part, then the nodes' claims, lowest first.
 */
static void shrink_claim_locked(cr_host *h, cr_domain *d, int node, int64_t pages)
{
    int64_t node_sum = 0;
    for (int n = 0; n < h->nodes; n++) {
        node_sum += d->node_claims[n];
    }

    int64_t global = d->claim - node_sum;
    int64_t from_node = 0;
    if (node >= 0) {
        from_node = min64(d->node_claims[node], pages);
        d->node_claims[node] -= from_node;
        h->node_outstanding[node] -= from_node;
    }

    int64_t rest = pages - from_node;
    rest -= min64(global, rest);
    for (int n = 0; n < h->nodes && rest > 0; n++) {
        int64_t part = min64(d->node_claims[n], rest);
        d->node_claims[n] -= part;
        h->node_outstanding[n] -= part;
        rest -= part;
    }

    d->claim -= pages;
    h->outstanding -= pages;
}

/* An allocation of `pages` from `node` redeems the claim (at most all of it). */
static void redeem_locked(cr_host *h, cr_domain *d, int node, int64_t pages)
{
#if CR_BROKEN(claim_not_consumed)
    (void)h, (void)d, (void)node, (void)pages; /* the mistake: the allocation forgets the claim */
#else
    int64_t redeem = min64(d->claim, pages);
    if (redeem != 0) {
        shrink_claim_locked(h, d, node, redeem);
    }
#endif
}

/* ---- pages ------------------------------------------------------------------------------------------------------ */

/* The domain's pages leave it, highest node first; `taken` gets them per node. page_alloc_lock held. */
static void take_domain_pages(const cr_host *h, cr_domain *d, int64_t pages, int64_t taken[CR_MAX_NODES])
{
    for (int n = h->nodes - 1; n >= 0; n--) {
        int64_t part = min64(d->pages[n], pages);
        d->pages[n] -= part;
        taken[n] = part;
        pages -= part;
    }
}

/* free_heap_pages: the pages go back to the free lists. heap_lock held. */
static void return_free_locked(cr_host *h, const int64_t taken[CR_MAX_NODES])
{
    for (int n = 0; n < h->nodes; n++) {
        h->node_free[n] += taken[n];
        h->free += taken[n];
    }
}

static uint64_t all_nodes(const cr_host *h) { return h->nodes >= 64 ? UINT64_MAX : (UINT64_C(1) << h->nodes) - 1; }

/* cycle_node: the next node of `mask` after `node`, else its first. */
static int cycle_node(const cr_host *h, int node, uint64_t mask)
{
    for (int n = node + 1; n < h->nodes; n++) {
        if (mask & (UINT64_C(1) << n)) {
            return n;
        }
    }

    return __builtin_ctzll(mask);
}

/*
 * get_free_buddy's order of nodes into `order` (2 x nodes + 1 long); how many. An exact request: its node. Else from a
 * start node (the named one; for a domain the next affinity node after last_alloc_node; node 0 for Xen's own) round
 * the affinity, a named node outside it first, then the nodes outside it in id order.
 */
static int node_order(const cr_host *h, const cr_domain *owner, bool has_node, int32_t node, bool exact, int *order)
{
    if (has_node && exact) {
        order[0] = node;
        return 1;
    }

    int count = 0;
    uint64_t affinity = owner != NULL ? owner->affinity : all_nodes(h);
    int start = has_node ? node : owner != NULL ? cycle_node(h, owner->last_alloc_node, affinity) : 0;
    if (!(affinity & (UINT64_C(1) << start))) {
        order[count++] = start;
        start = cycle_node(h, -1, affinity);
    }

    int next = start;
    do {
        order[count++] = next;
        next = cycle_node(h, next, affinity);
    } while (next != start);

    for (int n = 0; n < h->nodes; n++) {
        if (!(affinity & (UINT64_C(1) << n))) {
            order[count++] = n;
        }
    }

    return count;
}

/*
 * alloc_heap_pages, heap_lock held: the claim check (refuse when unclaimed memory cannot cover the request and the
 * requester's own claim does not: on xen-4.22 only a claim covering the whole request will do, on reference its claim
 * plus the unclaimed rest), then the node: the first that fits, trying the nodes in turn from a start node: the named
 * one (and when exact only that one), else for a domain the node after its last allocation's (last_alloc_node), and
 * node 0 for Xen's own; on reference a node fits only if its unclaimed pages plus the requester's own claim there
 * cover it.
 */
static cr_errno take_from_heap_locked(cr_host *h, cr_domain *owner, int64_t request, bool no_refcount, bool has_node,
                                      int32_t node, bool exact, int *at)
{
    bool uses_claim = owner != NULL && !no_refcount;
    int64_t own = uses_claim ? owner->claim : 0;
    if (h->outstanding + request > h->free) {
        int64_t rest = h->free - h->outstanding;
        bool covered = h->reference ? (rest > 0 ? rest : 0) + own >= request : own >= request;
        if (!covered) {
            return CR_ENOMEM;
        }
    }

    yield_point();
    int order[2 * CR_MAX_NODES + 1];
    int tries = node_order(h, owner, has_node, node, exact, order);
    for (int i = 0; i < tries; i++) {
        int n = order[i];
        bool fits = h->node_free[n] >= request;
        if (fits && h->reference) {
            fits = h->node_free[n] - h->node_outstanding[n] + (uses_claim ? owner->node_claims[n] : 0) >= request;
        }

        if (fits) {
            h->node_free[n] -= request;
            h->free -= request;
            if (owner != NULL) {
                owner->last_alloc_node = n;
            }

            *at = n;
            return CR_OK;
        }
    }

    return CR_ENOMEM;
}

/* ---- the host --------------------------------------------------------------------------------------------------- */

cr_host *cr_host_new(cr_profile profile, int nodes, int64_t pages_per_node, bool llc)
{
    cr_host *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return NULL;
    }

    h->profile = profile;
    h->reference = profile == CR_PROFILE_REFERENCE;
    h->nodes = nodes;
    h->pages_per_node = pages_per_node;
    h->llc = llc;
    pthread_mutex_init(&h->heap_lock, NULL);
    pthread_mutex_init(&h->domctl_lock, NULL);
    for (int n = 0; n < nodes; n++) {
        h->node_free[n] = pages_per_node;
    }

    h->free = nodes * pages_per_node;
    atomic_init(&h->shared, 0);
    for (int i = 0; i < CR_DOMID_LIMIT; i++) {
        atomic_init(&h->domains[i], NULL);
    }

    h->next_domid = 1;
    return h;
}

void cr_host_free(cr_host *h)
{
    if (h == NULL) {
        return;
    }

    for (int i = 0; i < CR_DOMID_LIMIT; i++) {
        cr_domain *d = atomic_load(&h->domains[i]);
        if (d != NULL) {
            pthread_mutex_destroy(&d->page_alloc_lock);
            free(d);
        }
    }

    pthread_mutex_destroy(&h->heap_lock);
    pthread_mutex_destroy(&h->domctl_lock);
    free(h);
}

const char *cr_errno_name(cr_errno rc)
{
    switch (rc) {
    case CR_OK: return "ok";
    case CR_EPERM: return "EPERM";
    case CR_ENOENT: return "ENOENT";
    case CR_ESRCH: return "ESRCH";
    case CR_E2BIG: return "E2BIG";
    case CR_ENOMEM: return "ENOMEM";
    case CR_EBUSY: return "EBUSY";
    case CR_EINVAL: return "EINVAL";
    case CR_ENOSYS: return "ENOSYS";
    case CR_ERESTART: return "ERESTART";
    case CR_EOPNOTSUPP: return "EOPNOTSUPP";
    }

    return "EINVAL";
}

/* ---- domains ---------------------------------------------------------------------------------------------------- */

/* What max_pages becomes for a non-negative request: saturated at the unsigned int's maximum (017e667c43). */
static int64_t stored_max(int64_t requested) { return requested <= CR_MAX_PAGES_LIMIT ? requested : CR_MAX_PAGES_LIMIT; }

/* XEN_DOMCTL_createdomain + max_mem: a new alive domain with no pages; its domid. */
cr_result cr_create(cr_host *h, cr_caller by, int64_t max)
{
    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    if (max < 0) {
        return fail(CR_EINVAL);
    }

    lock(&h->domctl_lock);
    if (h->next_domid >= CR_DOMID_LIMIT) {
        unlock(&h->domctl_lock);
        return fail(CR_ENOMEM);
    }

    cr_domain *d = calloc(1, sizeof *d);
    if (d == NULL) {
        unlock(&h->domctl_lock);
        return fail(CR_ENOMEM);
    }

    d->id = h->next_domid++;
    pthread_mutex_init(&d->page_alloc_lock, NULL);
    atomic_init(&d->state, CR_ALIVE);
    d->max = stored_max(max);
    d->affinity = all_nodes(h);
    atomic_store(&h->domains[d->id], d);
    unlock(&h->domctl_lock);
    return ok(d->id);
}

/*
 * XEN_DOMCTL_max_mem under domctl_lock and page_alloc_lock: any non-negative value, saturated. Xen never looks at the
 * claim; reference trims it (global part first, then node parts) so that domain_tot + claim <= max_pages.
 */
cr_result cr_node_affinity(cr_host *h, cr_caller by, int32_t domid, uint64_t nodes)
{
    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    lock(&h->domctl_lock);
    cr_domain *d = find_live(h, domid);
    cr_errno rc = d == NULL ? CR_ESRCH : (nodes & all_nodes(h)) == 0 ? CR_EINVAL : CR_OK;
    if (rc == CR_OK) {
        lock(&h->heap_lock); /* the allocator reads it under heap_lock */
        d->affinity = nodes == UINT64_MAX ? all_nodes(h) : nodes & all_nodes(h);
        unlock(&h->heap_lock);
    }

    unlock(&h->domctl_lock);
    return rc == CR_OK ? ok(0) : fail(rc);
}

cr_result cr_unpause(cr_host *h, cr_caller by, int32_t domid)
{
    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    lock(&h->domctl_lock);
    cr_domain *d = find_live(h, domid);
    cr_errno rc = d == NULL ? CR_ESRCH : d->unpaused ? CR_EINVAL : CR_OK;
    if (rc == CR_OK) {
        d->unpaused = true;
    }

    unlock(&h->domctl_lock);
    return rc == CR_OK ? ok(0) : fail(rc);
}

cr_result cr_maxmem(cr_host *h, cr_caller by, int32_t domid, int64_t max)
{
    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    if (max < 0) {
        return fail(CR_EINVAL);
    }

    lock(&h->domctl_lock);
    cr_domain *d = find_live(h, domid);
    if (d == NULL) {
        unlock(&h->domctl_lock);
        return fail(CR_ESRCH);
    }

    lock(&d->page_alloc_lock);
    d->max = stored_max(max);
    yield_point();
    if (h->reference) {
        lock(&h->heap_lock);
        int64_t excess = domain_tot(d) + d->claim - d->max;
        if (excess > 0 && d->claim > 0) {
            shrink_claim_locked(h, d, -1, min64(excess, d->claim));
        }

        unlock(&h->heap_lock);
    }

    unlock(&d->page_alloc_lock);
    unlock(&h->domctl_lock);
    return ok(0);
}

/* ---- claims ----------------------------------------------------------------------------------------------------- */

/*
 * domain_set_outstanding_pages under page_alloc_lock, then heap_lock: 0 releases; otherwise (reference: a dying domain
 * is refused here, under the locks) one claim at a time, the target within (domain_tot, max_pages], and the increment
 * within the host's unclaimed pages.
 */
static cr_result set_outstanding(cr_host *h, cr_domain *d, int64_t pages, bool dying_check_under_locks)
{
    lock(&d->page_alloc_lock);
#if CR_BROKEN(unlocked_check)
    /* The mistake: the capacity is read in a heap_lock section of its own; the claim is staked in a later one,
     * without looking again. */
    lock(&h->heap_lock);
    int64_t avail = unclaimed(h, h->free - (h->outstanding - d->claim));
    unlock(&h->heap_lock);
    yield_point();
    lock(&h->heap_lock);
#else
    lock(&h->heap_lock);
#endif
    cr_errno rc = CR_OK;
    if (h->reference && state_of(d) == CR_DESTROYED) {
        rc = CR_EINVAL; /* destroyed since the lookup: the unknown-domain answer of XENMEM_claim_pages */
    } else if (pages == 0) {
        release_claim_locked(h, d);
    } else if (dying_check_under_locks && state_of(d) != CR_ALIVE) {
        rc = CR_EINVAL;
    } else if (d->claim != 0) {
        rc = CR_EINVAL; /* one claim per domain */
    } else if (pages <= domain_tot(d) || pages > d->max) {
        rc = CR_EINVAL; /* an absolute target: above what the domain has, at most max_pages */
    } else {
        int64_t wanted = pages - domain_tot(d);
#if !CR_BROKEN(unlocked_check)
        int64_t avail = unclaimed(h, h->free - (h->outstanding - d->claim));
        yield_point();
#endif
#if CR_BROKEN(off_by_one)
        bool too_much = wanted >= avail; /* the mistake: a claim of exactly the unclaimed pages is refused */
#else
        bool too_much = wanted > avail;
#endif
        if (too_much) {
            rc = CR_ENOMEM;
        } else {
            release_claim_locked(h, d);
            d->claim = wanted;
            h->outstanding += wanted;
        }
    }

    unlock(&h->heap_lock);
    unlock(&d->page_alloc_lock);
    return result_of(rc);
}

/* XENMEM_claim_pages(domid, pages): the wrapper's checks in Xen's order, then domain_set_outstanding_pages. */
cr_result cr_claim(cr_host *h, cr_caller by, int32_t domid, int64_t pages, bool soft)
{
    if (h->llc) {
        return fail(CR_EOPNOTSUPP); /* b068cafc73 */
    }

    if (pages < 0 || soft) {
        return fail(CR_EINVAL); /* an unsigned argument; no soft claims in either profile */
    }

    cr_domain *d = find_live(h, domid);
    if (d == NULL) {
        return fail(CR_EINVAL); /* memory.c: an unknown domid is EINVAL */
    }

    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    if (!h->reference) {
        /* 2379ca04fe: is_dying read with no lock held; domain_kill may mark the domain and release its claim
         * between this read and the stake (xen-4.22's known race). */
        if (state_of(d) != CR_ALIVE) {
            return fail(CR_EINVAL);
        }

        yield_point();
        return set_outstanding(h, d, pages, false);
    }

#if CR_BROKEN(unlocked_dying_check)
    /* The mistake, on reference: xen-4.22's unlocked check (but for a release, which reference allows on a dying
     * domain), and no second look under the locks that stake the claim. */
    if (pages != 0 && state_of(d) != CR_ALIVE) {
        return fail(CR_EINVAL);
    }

    yield_point();
    return set_outstanding(h, d, pages, false);
#else
    return set_outstanding(h, d, pages, true);
#endif
}

/*
 * domain_install_claim_set (claim-sets v7), page_alloc_lock and heap_lock held: each entry in order, then max_pages,
 * then the host's unclaimed pages; then the set replaces the domain's claims atomically.
 */
static cr_errno install_claim_set_locked(cr_host *h, cr_domain *d, const cr_claim_entry *entries, size_t count,
                                         int64_t avail_host)
{
    int64_t node_pages[CR_MAX_NODES] = {0};
    bool seen_node[CR_MAX_NODES] = {false};
    bool seen_global = false;
    int64_t global = 0;
    for (size_t i = 0; i < count; i++) {
        const cr_claim_entry *e = &entries[i];
        if (e->pages < 0) {
            return CR_EINVAL;
        }

        if (e->target == CR_TARGET_GLOBAL) {
            if (seen_global) {
                return CR_EINVAL;
            }

            seen_global = true;
            global = e->pages;
            continue;
        }

        if (e->target == CR_TARGET_LEGACY || e->node < 0 || e->node >= h->nodes) {
            return CR_ENOENT; /* not online, or beyond MAX_NUMNODES (LEGACY among other entries) */
        }

        int n = (int)e->node;
        if (seen_node[n]) {
            return CR_EINVAL;
        }

        if (e->pages > sat_add(unclaimed(h, h->node_free[n] - h->node_outstanding[n]), d->node_claims[n])) {
            return CR_ENOMEM;
        }

        seen_node[n] = true;
        node_pages[n] = e->pages;
    }

    /* Subtracting from max_pages, so that no sum overflows; the node sum saturates. */
    int64_t node_sum = 0;
    for (int n = 0; n < h->nodes; n++) {
        node_sum = sat_add(node_sum, node_pages[n]);
    }

    if (global > d->max || node_sum > d->max - global || domain_tot(d) > d->max - global - node_sum) {
        return CR_EINVAL;
    }

    int64_t total = global + node_sum;
    if (total > sat_add(avail_host, d->claim)) {
        return CR_ENOMEM;
    }

    yield_point();
    release_claim_locked(h, d);
    for (int n = 0; n < h->nodes; n++) {
        d->node_claims[n] = node_pages[n];
        h->node_outstanding[n] += node_pages[n];
    }

    d->claim = total;
    h->outstanding += total;
    return CR_OK;
}

/*
 * XEN_DOMCTL_claim_memory (reference only; an unknown domctl on xen-4.22): the domain, XSM, then under domctl_lock
 * the set's shape and the dying check; a lone LEGACY entry is XENMEM_claim_pages' rules, any other set is installed.
 */
cr_result cr_claimset(cr_host *h, cr_caller by, int32_t domid, const cr_claim_entry *entries, size_t count)
{
    cr_domain *d = find_live(h, domid);
    if (d == NULL) {
        return fail(CR_ESRCH);
    }

    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    if (!h->reference) {
        return fail(CR_ENOSYS);
    }

    lock(&h->domctl_lock);
    cr_errno rc = CR_OK;
    if (state_of(d) == CR_DESTROYED) {
        rc = CR_ESRCH; /* destroyed since the lookup */
    } else if (h->llc) {
        rc = CR_EOPNOTSUPP;
    } else if (count == 0) {
        rc = CR_EINVAL;
    } else if (count > CR_MAX_CLAIM_ENTRIES) {
        rc = CR_E2BIG;
    } else if (state_of(d) != CR_ALIVE) {
        rc = CR_ESRCH;
    } else if (count == 1 && entries[0].target == CR_TARGET_LEGACY) {
        rc = entries[0].pages < 0 ? CR_EINVAL : set_outstanding(h, d, entries[0].pages, true).rc;
    } else {
        lock(&d->page_alloc_lock);
#if CR_BROKEN(unlocked_check)
        lock(&h->heap_lock);
        int64_t avail = unclaimed(h, h->free - h->outstanding);
        unlock(&h->heap_lock);
        yield_point();
        lock(&h->heap_lock);
#else
        lock(&h->heap_lock);
        int64_t avail = unclaimed(h, h->free - h->outstanding);
#endif
        rc = install_claim_set_locked(h, d, entries, count, avail);
        unlock(&h->heap_lock);
        unlock(&d->page_alloc_lock);
    }

    unlock(&h->domctl_lock);
    return result_of(rc);
}

/* ---- allocation ------------------------------------------------------------------------------------------------- */

/* assign_pages' refusals in its order, page_alloc_lock held: dying EINVAL, already above max_pages EPERM, over E2BIG. */
static cr_errno assign_refusal(cr_domain *d, int64_t request, bool extra)
{
    if (state_of(d) != CR_ALIVE) {
        return CR_EINVAL;
    }

    if (extra) {
        return CR_OK; /* extra pages have no max_pages check */
    }

    if (domain_tot(d) > d->max) {
        return CR_EPERM; /* 143501861d: "inconsistent" */
    }

    return request > d->max - domain_tot(d) ? CR_E2BIG : CR_OK;
}

/* assign_pages: the pages become the domain's (extra ones counted in extra_pages and tot_pages). page_alloc_lock held. */
static void assign(cr_domain *d, int at, int64_t request, bool extra)
{
    if (extra) {
        d->extra += request;
    }

    d->tot += request;
    d->pages[at] += request;
}

/*
 * alloc_domheap_pages(d, order, 0 or MEMF_no_refcount). xen-4.22: the heap section (check, pages, claim redeemed for
 * refcounted pages), then assign_pages under page_alloc_lock; if that refuses, the pages go back to their node and the
 * redeemed claim stays redeemed (75d29d9b5e). reference: assign_pages' checks first, then all of it in one section.
 */
cr_result cr_alloc(cr_host *h, cr_caller by, int32_t domid, int32_t order, bool has_node, int32_t node, bool exact, bool extra)
{
    if (!extra && has_node && !privileged(by)) {
        /* propagate_node (2fece35303): a guest's node is ignored, its exact request populates nothing. */
        if (exact) {
            return fail(CR_EINVAL);
        }

        has_node = false;
    }

    int64_t request = extent_pages(order);
    if (request == 0 || !node_ok(h, has_node, node)) {
        return fail(CR_EINVAL);
    }

    cr_domain *d = find_live(h, domid);
    if (d == NULL) {
        return fail(CR_ESRCH);
    }

    if (!may_act_on(by, domid) || (extra && !privileged(by))) {
        return fail(CR_EPERM);
    }

    int at = -1;
    if (h->reference) {
        lock(&d->page_alloc_lock);
        cr_errno rc = state_of(d) == CR_DESTROYED ? CR_ESRCH : assign_refusal(d, request, extra);
        if (rc == CR_OK) {
            lock(&h->heap_lock);
            rc = take_from_heap_locked(h, d, request, extra, has_node, node, exact, &at);
            if (rc == CR_OK && !extra) {
                redeem_locked(h, d, at, request);
            }

            unlock(&h->heap_lock);
            if (rc == CR_OK) {
                assign(d, at, request, extra);
            }
        }

        unlock(&d->page_alloc_lock);
        return rc == CR_OK ? ok(request) : fail(rc);
    }

    lock(&h->heap_lock);
    cr_errno rc = take_from_heap_locked(h, d, request, extra, has_node, node, exact, &at);
    if (rc == CR_OK && !extra) {
        redeem_locked(h, d, at, request);
    }

    unlock(&h->heap_lock);
    if (rc != CR_OK) {
        return fail(rc);
    }

    yield_point(); /* Xen's window: the pages are neither free nor the domain's */
    lock(&d->page_alloc_lock);
    rc = assign_refusal(d, request, extra);
    if (rc == CR_OK) {
        assign(d, at, request, extra);
    }

    unlock(&d->page_alloc_lock);
    if (rc != CR_OK) {
        int64_t back[CR_MAX_NODES] = {0};
        back[at] = request;
        lock(&h->heap_lock);
        return_free_locked(h, back);
        unlock(&h->heap_lock);
        return fail(rc);
    }

    return ok(request);
}

/* alloc_domheap_pages(NULL, order, ...): Xen's own heap; only Xen calls it, and it never gets claimed memory. */
cr_result cr_xen_alloc(cr_host *h, cr_caller by, int32_t order, bool has_node, int32_t node, bool exact)
{
    int64_t request = extent_pages(order);
    if (request == 0 || !node_ok(h, has_node, node)) {
        return fail(CR_EINVAL);
    }

    if (by.kind != CR_CALLER_XEN) {
        return fail(CR_EPERM);
    }

    int at = -1;
    lock(&h->heap_lock);
    cr_errno rc = take_from_heap_locked(h, NULL, request, true, has_node, node, exact, &at);
    if (rc == CR_OK) {
        h->xenheap[at] += request;
    }

    unlock(&h->heap_lock);
    return rc == CR_OK ? ok(request) : fail(rc);
}

/* Xen frees pages of its own heap, highest node first. */
cr_result cr_xen_free(cr_host *h, cr_caller by, int64_t pages)
{
    if (by.kind != CR_CALLER_XEN) {
        return fail(CR_EPERM);
    }

    lock(&h->heap_lock);
    int64_t held = 0;
    for (int n = 0; n < h->nodes; n++) {
        held += h->xenheap[n];
    }

    if (pages <= 0 || pages > held) {
        unlock(&h->heap_lock);
        return fail(CR_EINVAL);
    }

    int64_t rest = pages;
    for (int n = h->nodes - 1; n >= 0 && rest > 0; n--) {
        int64_t part = min64(h->xenheap[n], rest);
        h->xenheap[n] -= part;
        h->node_free[n] += part;
        h->free += part;
        rest -= part;
    }

    unlock(&h->heap_lock);
    return ok(pages);
}

/* ---- pages leaving ---------------------------------------------------------------------------------------------- */

/*
 * XENMEM_decrease_reservation of one extent: under page_alloc_lock tot_pages drops (only refcounted pages of an alive
 * domain), then under heap_lock the pages go back to the free lists (reference: still under page_alloc_lock).
 */
cr_result cr_decrease(cr_host *h, cr_caller by, int32_t domid, int32_t order)
{
    int64_t pages = extent_pages(order);
    if (pages == 0) {
        return fail(CR_EINVAL);
    }

    cr_domain *d = find_live(h, domid);
    if (d == NULL) {
        return fail(CR_ESRCH);
    }

    if (!may_act_on(by, domid)) {
        return fail(CR_EPERM);
    }

    lock(&d->page_alloc_lock);
    if (h->reference && state_of(d) == CR_DESTROYED) {
        unlock(&d->page_alloc_lock);
        return fail(CR_ESRCH);
    }

    if (state_of(d) != CR_ALIVE || pages > domain_tot(d)) {
        unlock(&d->page_alloc_lock);
        return fail(CR_EINVAL);
    }

    int64_t taken[CR_MAX_NODES] = {0};
    d->tot -= pages;
    take_domain_pages(h, d, pages, taken);
    if (!h->reference) {
        unlock(&d->page_alloc_lock);
    }

    yield_point();
    lock(&h->heap_lock);
    return_free_locked(h, taken);
    unlock(&h->heap_lock);
    if (h->reference) {
        unlock(&d->page_alloc_lock);
    }

    return ok(pages);
}

/* Page sharing: one of the domain's pages moves to the shared owner; tot_pages drops, nothing reaches the heap. */
cr_result cr_share(cr_host *h, cr_caller by, int32_t domid)
{
    cr_domain *d = find_live(h, domid);
    if (d == NULL) {
        return fail(CR_ESRCH);
    }

    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    lock(&d->page_alloc_lock);
    cr_errno rc = CR_OK;
    if (h->reference && state_of(d) == CR_DESTROYED) {
        rc = CR_ESRCH;
    } else if (state_of(d) != CR_ALIVE || domain_tot(d) < 1) {
        rc = CR_EINVAL;
    } else {
        int64_t taken[CR_MAX_NODES] = {0};
        d->tot -= 1;
        take_domain_pages(h, d, 1, taken);
        atomic_fetch_add(&h->shared, 1);
    }

    unlock(&d->page_alloc_lock);
    return rc == CR_OK ? ok(1) : fail(rc);
}

/*
 * offline_page of one free page on a node, under heap_lock. xen-4.22 has no claim logic there (claims may end up
 * unbacked); reference refuses (EBUSY) to take a page that backs a claim.
 */
cr_result cr_offline(cr_host *h, cr_caller by, int32_t node)
{
    if (node < 0 || node >= h->nodes) {
        return fail(CR_EINVAL);
    }

    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    lock(&h->heap_lock);
    cr_errno rc = CR_OK;
    if (h->node_free[node] < 1) {
        rc = CR_EBUSY;
    } else if (h->reference
               && (h->free - 1 < h->outstanding || h->node_free[node] - 1 < h->node_outstanding[node])) {
        rc = CR_EBUSY;
    } else {
        yield_point();
        h->node_free[node] -= 1;
        h->free -= 1;
        h->offlined += 1;
    }

    unlock(&h->heap_lock);
    return rc == CR_OK ? ok(1) : fail(rc);
}

cr_result cr_tmem(cr_host *h, cr_caller by)
{
    (void)h, (void)by;
    return fail(CR_EOPNOTSUPP);
}

/* ---- domain death ----------------------------------------------------------------------------------------------- */

/* domain_kill's first step, page_alloc_lock and heap_lock held: the claim goes (unless the build forgets it). */
static void release_on_kill_locked(cr_host *h, cr_domain *d)
{
#if CR_BROKEN(no_release_on_kill)
    (void)h, (void)d; /* the mistake: the dying domain keeps its claim, which nothing releases later */
#else
    release_claim_locked(h, d);
#endif
}

/*
 * One chunk of relinquish_memory, page_alloc_lock held: at most CR_RELINQUISH_CHUNK pages, extra ones first, taken
 * from the highest node down; `taken` gets them for the heap.
 */
static void relinquish_chunk(const cr_host *h, cr_domain *d, int64_t taken[CR_MAX_NODES])
{
    int64_t chunk = min64(CR_RELINQUISH_CHUNK, d->tot);
    d->extra -= min64(d->extra, chunk);
    d->tot -= chunk;
    take_domain_pages(h, d, chunk, taken);
}

/*
 * reference: domain_kill to completion in one section (domctl_lock, page_alloc_lock, heap_lock): dying, the claim
 * released, every page relinquished, dead; `destroy` also drops the domid. Linearizable as one step.
 */
static cr_result kill_at_once(cr_host *h, int32_t domid, bool destroy)
{
    lock(&h->domctl_lock);
    cr_domain *d = find_live(h, domid);
    if (d == NULL) {
        unlock(&h->domctl_lock);
        return fail(CR_ESRCH);
    }

    lock(&d->page_alloc_lock);
    lock(&h->heap_lock);
    if (state_of(d) == CR_ALIVE) {
        set_state(d, CR_DYING);
        release_on_kill_locked(h, d);
        yield_point();
    }

    if (state_of(d) == CR_DYING) {
        while (d->tot > 0) {
            int64_t taken[CR_MAX_NODES] = {0};
            relinquish_chunk(h, d, taken);
            return_free_locked(h, taken);
        }

        set_state(d, CR_DEAD);
    }

    if (destroy) {
        set_state(d, CR_DESTROYED);
    }

    unlock(&h->heap_lock);
    unlock(&d->page_alloc_lock);
    unlock(&h->domctl_lock);
    return ok(0);
}

/*
 * One continuation of domain_kill, domctl_lock held; true when the domain is dead. The first marks the domain dying
 * (xen-4.22: under domctl_lock alone; reference: in the section that releases the claim) and releases its claim; each
 * next gives a chunk of pages back (xen-4.22: page_alloc_lock, then heap_lock); the last finds nothing left.
 */
static bool kill_step_locked(cr_host *h, cr_domain *d)
{
    if (state_of(d) == CR_ALIVE) {
        if (!h->reference) {
            set_state(d, CR_DYING);
            yield_point(); /* a claim that read is_dying before this may still be staked after the release */
        }

        lock(&d->page_alloc_lock);
        lock(&h->heap_lock);
        set_state(d, CR_DYING);
        release_on_kill_locked(h, d);
        unlock(&h->heap_lock);
        unlock(&d->page_alloc_lock);
        return false;
    }

    if (state_of(d) != CR_DYING) {
        return true;
    }

    lock(&d->page_alloc_lock);
    if (d->tot == 0) {
        set_state(d, CR_DEAD);
        unlock(&d->page_alloc_lock);
        return true;
    }

    int64_t taken[CR_MAX_NODES] = {0};
    relinquish_chunk(h, d, taken);
    if (!h->reference) {
        unlock(&d->page_alloc_lock);
        yield_point();
    }

    lock(&h->heap_lock);
    return_free_locked(h, taken);
    unlock(&h->heap_lock);
    if (h->reference) {
        unlock(&d->page_alloc_lock);
    }

    return false;
}

/* domain_kill to completion: xen-4.22 makes its continuations, each under domctl_lock, others running in between. */
cr_result cr_kill(cr_host *h, cr_caller by, int32_t domid)
{
    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    if (h->reference) {
        return kill_at_once(h, domid, false);
    }

    cr_domain *d = find_live(h, domid);
    if (d == NULL) {
        return fail(CR_ESRCH);
    }

    for (;;) {
        lock(&h->domctl_lock);
        bool dead = kill_step_locked(h, d);
        unlock(&h->domctl_lock);
        if (dead) {
            return ok(0);
        }
    }
}

/* One XEN_DOMCTL_destroydomain hypercall: one continuation; ERESTART until the domain is dead. */
cr_result cr_kill_step(cr_host *h, cr_caller by, int32_t domid)
{
    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    cr_domain *d = h->reference ? NULL : find_live(h, domid);
    if (!h->reference && d == NULL) {
        return fail(CR_ESRCH);
    }

    lock(&h->domctl_lock);
    if (h->reference) {
        d = find_live(h, domid);
        if (d == NULL) {
            unlock(&h->domctl_lock);
            return fail(CR_ESRCH);
        }
    }

    bool dead = kill_step_locked(h, d);
    unlock(&h->domctl_lock);
    return dead ? ok(0) : fail(CR_ERESTART);
}

/* xl destroy: kill, then the domid no longer resolves. No claim is released here (Xen never does). */
cr_result cr_destroy(cr_host *h, cr_caller by, int32_t domid)
{
    if (!privileged(by)) {
        return fail(CR_EPERM);
    }

    if (h->reference) {
        return kill_at_once(h, domid, true);
    }

    cr_result killed = cr_kill(h, by, domid);
    if (killed.rc != CR_OK) {
        return killed;
    }

    lock(&h->domctl_lock);
    cr_domain *d = find_live(h, domid);
    if (d != NULL) {
        set_state(d, CR_DESTROYED);
    }

    unlock(&h->domctl_lock);
    return d != NULL ? ok(0) : fail(CR_ESRCH);
}

/* ---- queries ---------------------------------------------------------------------------------------------------- */

/* XEN_SYSCTL_physinfo: free and outstanding pages read together under heap_lock (bec8f17e48). */
void cr_physinfo_read(cr_host *h, cr_physinfo *out)
{
    memset(out, 0, sizeof *out);
    lock(&h->heap_lock);
    out->free = h->free;
    memcpy(out->node_free, h->node_free, sizeof out->node_free);
    yield_point();
#if CR_BROKEN(torn_physinfo)
    /* The mistake: the claims are read in a heap_lock section of their own, after the free pages. */
    unlock(&h->heap_lock);
    yield_point();
    lock(&h->heap_lock);
#endif
    out->outstanding = h->outstanding;
    memcpy(out->node_outstanding, h->node_outstanding, sizeof out->node_outstanding);
    unlock(&h->heap_lock);
}

/*
 * XEN_DOMCTL_getdomaininfo. Xen reads a domain's numbers without heap_lock; here they are read under the domain's
 * page_alloc_lock and heap_lock, so that every answer is one consistent state of the domain (reference promises it;
 * on xen-4.22 the two-section paths already make some answers states no sequential run reaches).
 */
cr_errno cr_domaininfo_read(cr_host *h, int32_t domid, cr_domaininfo *out)
{
    memset(out, 0, sizeof *out);
    cr_domain *d = find_live(h, domid);
    if (d == NULL) {
        return CR_ESRCH;
    }

    lock(&d->page_alloc_lock);
    lock(&h->heap_lock);
    cr_errno rc = CR_OK;
    if (state_of(d) == CR_DESTROYED) {
        rc = CR_ESRCH;
    } else {
        out->state = state_of(d);
        out->tot = d->tot;
        out->extra = d->extra;
        out->max = d->max;
        yield_point();
        out->claim = d->claim;
        memcpy(out->node_claims, d->node_claims, sizeof out->node_claims);
    }

    unlock(&h->heap_lock);
    unlock(&d->page_alloc_lock);
    return rc;
}

bool cr_audit_read(cr_host *h, cr_audit *out, char *problem, size_t problem_size)
{
    memset(out, 0, sizeof *out);
    lock(&h->domctl_lock);
    int64_t owned = 0, claims = 0;
    int64_t node_claims[CR_MAX_NODES] = {0};
    bool pages_agree = true;
    for (int i = 1; i < h->next_domid; i++) {
        cr_domain *d = atomic_load(&h->domains[i]);
        lock(&d->page_alloc_lock);
        lock(&h->heap_lock);
        int64_t sum = 0;
        for (int n = 0; n < h->nodes; n++) {
            sum += d->pages[n];
            node_claims[n] += d->node_claims[n];
        }

        pages_agree = pages_agree && sum == d->tot && d->extra >= 0 && d->extra <= d->tot;
        owned += d->tot;
        claims += d->claim;
        unlock(&h->heap_lock);
        unlock(&d->page_alloc_lock);
    }

    lock(&h->heap_lock);
    out->phys.free = h->free;
    out->phys.outstanding = h->outstanding;
    memcpy(out->phys.node_free, h->node_free, sizeof out->phys.node_free);
    memcpy(out->phys.node_outstanding, h->node_outstanding, sizeof out->phys.node_outstanding);
    out->offlined = h->offlined;
    out->shared = atomic_load(&h->shared);
    int64_t node_free_sum = 0;
    bool node_claims_agree = true;
    for (int n = 0; n < h->nodes; n++) {
        out->xenheap += h->xenheap[n];
        node_free_sum += h->node_free[n];
        node_claims_agree = node_claims_agree && node_claims[n] == h->node_outstanding[n];
    }

    unlock(&h->heap_lock);
    unlock(&h->domctl_lock);
    int64_t total = h->nodes * h->pages_per_node;
    int64_t accounted = out->phys.free + out->xenheap + out->offlined + out->shared + owned;
    if (accounted != total || node_free_sum != out->phys.free || !pages_agree) {
        snprintf(problem, problem_size,
                 "pages do not add up: free %lld + xenheap %lld + offlined %lld + shared %lld + owned %lld != %lld pages%s",
                 (long long)out->phys.free, (long long)out->xenheap, (long long)out->offlined, (long long)out->shared,
                 (long long)owned, (long long)total, pages_agree ? "" : " (or a domain's pages per node disagree with tot)");
        return false;
    }

    if (claims != out->phys.outstanding || !node_claims_agree) {
        snprintf(problem, problem_size, "claims do not add up: the domains' claims are %lld, outstanding %lld",
                 (long long)claims, (long long)out->phys.outstanding);
        return false;
    }

    return true;
}

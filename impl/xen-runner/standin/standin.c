/*
 * A stand-in libxenctrl for xen-vector-runner: exactly the xc_* functions the runner calls, defined against the same
 * header it includes (../xvr-xenctrl.h: the real <xenctrl.h>, or minimal/xenctrl.h where libxen-dev is absent), each
 * mapped onto impl/c's claimref (cr_* calls) on one in-process host of profile xen-4.22. Linked instead of -lxenctrl,
 * it lets the runner's logic run where there is no Xen: the offsets from physinfo, the domid mapping, the filler
 * claim, the overhead of creating a domain and its late return, the frames populate writes back.
 *
 * The host looks like a real one, not like a vector's: bigger, with dom0 and a guest holding pages, the guest a claim,
 * and Xen taking pages of its own for each domain it creates, which come back a moment (two physinfo calls) after the
 * domain is destroyed. Its shape is the one seam, an environment variable read at the first xc_interface_open:
 *
 *   XEN_STANDIN_HOST="nodes=1 pages=4096 dom0=512 guest=64 claim=16 overhead=3 grace=2"   (the defaults)
 *
 * nodes x pages: the host; dom0, guest: pages those domains hold (domids 0 and 1; guest=0 and claim=0: no guest);
 * claim: the guest's outstanding claim; overhead: Xen's own pages per created domain; grace: physinfo calls after a
 * destroy before those pages are free again (as RCU frees a reaped domain's structures). The runner knows nothing of
 * it. With -DSTANDIN_BROKEN_CLAIM a claim stakes one page less than asked: the runner must report it.
 *
 * How each call maps (all as the toolstack, dom0; a real domid d is claimref's domid d + 1, claimref's first domain
 * being dom0):
 *   xc_domain_create            cr_xen_alloc x overhead (claims may refuse it: ENOMEM, as Xen's own allocations),
 *                               then cr_create with max 0 (max_mem comes next, as in xl)
 *   xc_domain_setmaxmem         cr_maxmem(kb / 4)
 *   xc_domain_claim_pages       cr_claim (an absolute target, as XENMEM_claim_pages)
 *   xc_domain_populate_physmap_exact   ESRCH for an unknown domain; else cr_alloc per extent; the frames written back
 *                               are fresh machine frames (a PV guest's); an extent refused stops the hypercall, which
 *                               libxenctrl's _exact turns into -1 with errno EBUSY
 *   xc_domain_decrease_reservation     ESRCH for an unknown domain; else per extent: a frame the domain does not own
 *                               stops it, else cr_decrease; returns the extents done
 *   xc_physinfo                 cr_physinfo_read (after Xen's late frees fall due)
 *   xc_domain_getinfo_single / xc_domain_getinfolist (whichever the header has)   cr_domaininfo_read; tot_pages is
 *                               tot - extra (Xen 4.14 and later), dying for a dying or dead domain
 *   xc_domain_destroy           cr_destroy (domain_kill to completion, and the domid goes: nobody holds the domain)
 *   xc_version                  4.22
 */
#define _GNU_SOURCE

#include "../xvr-xenctrl.h"

#include "claimref.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xc_interface_core {
    int magic;
};

typedef struct {
    uint64_t first, count;
} srange;

/* What the stand-in keeps per claimref domain besides claimref's accounting: frames owned, Xen's pages for it. */
typedef struct {
    srange *owned;
    size_t nowned, capacity;
    int64_t overhead;
} sdomain;

static struct {
    cr_host *h;
    int nodes;
    int64_t pages, overhead;
    int grace;
    uint64_t next_mfn;
    sdomain *doms[CR_DOMID_LIMIT];
    struct {
        int64_t pages;
        int countdown;
    } late[64];
    size_t nlate;
} S;

static const cr_caller DOM0 = {CR_CALLER_DOM0, 0};
static const cr_caller XEN = {CR_CALLER_XEN, 0};

static int failed(int e)
{
    errno = e;
    return -1;
}

/* claimref's domid for a real one; -1 (no domain) beyond claimref's table. */
static int32_t cr_id(uint32_t domid) { return domid < (uint32_t)CR_DOMID_LIMIT - 1 ? (int32_t)domid + 1 : -1; }

static sdomain *sdom(int32_t id)
{
    if (id < 1 || id >= CR_DOMID_LIMIT) {
        return NULL;
    }

    if (S.doms[id] == NULL) {
        S.doms[id] = calloc(1, sizeof(sdomain));
    }

    return S.doms[id];
}

static int by_first(const void *a, const void *b)
{
    uint64_t x = ((const srange *)a)->first, y = ((const srange *)b)->first;
    return x < y ? -1 : x > y;
}

/* Adds frames; the ranges stay sorted and maximal, so that a run of owned frames lies inside one range. */
static bool add_range(sdomain *d, uint64_t first, uint64_t count)
{
    if (d->nowned == d->capacity) {
        size_t capacity = d->capacity == 0 ? 8 : d->capacity * 2;
        srange *grown = realloc(d->owned, capacity * sizeof *grown);
        if (grown == NULL) {
            return false;
        }

        d->owned = grown;
        d->capacity = capacity;
    }

    d->owned[d->nowned++] = (srange){first, count};
    qsort(d->owned, d->nowned, sizeof *d->owned, by_first);
    size_t kept = 0;
    for (size_t i = 1; i < d->nowned; i++) {
        if (d->owned[i].first <= d->owned[kept].first + d->owned[kept].count) {
            uint64_t end = d->owned[i].first + d->owned[i].count;
            if (end > d->owned[kept].first + d->owned[kept].count) {
                d->owned[kept].count = end - d->owned[kept].first;
            }
        } else {
            d->owned[++kept] = d->owned[i];
        }
    }

    d->nowned = kept + 1;
    return true;
}

/* Removes [first, first + count) if the domain owns all of it. */
static bool take_range(sdomain *d, uint64_t first, uint64_t count)
{
    for (size_t i = 0; i < d->nowned; i++) {
        srange r = d->owned[i];
        if (first < r.first || first + count > r.first + r.count) {
            continue;
        }

        d->owned[i] = d->owned[--d->nowned];
        if (first > r.first && !add_range(d, r.first, first - r.first)) {
            return false;
        }

        return first + count == r.first + r.count || add_range(d, first + count, r.first + r.count - (first + count));
    }

    return false;
}

static bool allocate_overhead(void)
{
    for (int64_t i = 0; i < S.overhead; i++) {
        if (cr_xen_alloc(S.h, XEN, 0, false, 0, false).rc != CR_OK) {
            if (i > 0) {
                cr_xen_free(S.h, XEN, i);
            }

            return false;
        }
    }

    return true;
}

/* A domain of the host's starting shape: pages, a claim on top (target tot + claim), Xen's overhead for it. */
static bool make_domain(int64_t pages, int64_t claim)
{
    if (!allocate_overhead()) {
        return false;
    }

    cr_result d = cr_create(S.h, DOM0, CR_MAX_PAGES_LIMIT);
    if (d.rc != CR_OK) {
        return false;
    }

    sdom((int32_t)d.value)->overhead = S.overhead;
    for (int64_t i = 0; i < pages; i++) {
        if (cr_alloc(S.h, DOM0, (int32_t)d.value, 0, false, 0, false, false).rc != CR_OK) {
            return false;
        }
    }

    return claim == 0 || cr_claim(S.h, DOM0, (int32_t)d.value, pages + claim, false).rc == CR_OK;
}

static bool setup(void)
{
    int64_t nodes = 1, pages = 4096, dom0 = 512, guest = 64, claim = 16, overhead = 3, grace = 2;
    const char *shape = getenv("XEN_STANDIN_HOST");
    if (shape != NULL) {
        char *copy = strdup(shape), *save = NULL;
        for (char *word = copy != NULL ? strtok_r(copy, " ,", &save) : NULL; word != NULL; word = strtok_r(NULL, " ,", &save)) {
            char *equals = strchr(word, '='), *end = NULL;
            int64_t value = equals != NULL ? strtoll(equals + 1, &end, 10) : -1;
            int64_t *field = equals == NULL ? NULL
                             : strncmp(word, "nodes=", 6) == 0 ? &nodes
                             : strncmp(word, "pages=", 6) == 0 ? &pages
                             : strncmp(word, "dom0=", 5) == 0 ? &dom0
                             : strncmp(word, "guest=", 6) == 0 ? &guest
                             : strncmp(word, "claim=", 6) == 0 ? &claim
                             : strncmp(word, "overhead=", 9) == 0 ? &overhead
                             : strncmp(word, "grace=", 6) == 0 ? &grace
                                                                 : NULL;
            if (field == NULL || end == equals + 1 || *end != '\0' || value < 0) {
                fprintf(stderr, "standin: XEN_STANDIN_HOST: '%s' is not one of nodes, pages, dom0, guest, claim, overhead, grace =N\n", word);
                free(copy);
                return false;
            }

            *field = value;
        }

        free(copy);
    }

    if (nodes < 1 || nodes > CR_MAX_NODES || pages < 1 || pages > (INT64_C(1) << 30) || grace > 1000
        || dom0 + guest + claim + 2 * overhead > nodes * pages) {
        fprintf(stderr, "standin: XEN_STANDIN_HOST: nodes 1..%d, pages 1..2^30, and dom0 + guest + claim + overhead must fit\n", CR_MAX_NODES);
        return false;
    }

    S.nodes = (int)nodes;
    S.pages = pages;
    S.overhead = overhead;
    S.grace = (int)grace;
    S.next_mfn = UINT64_C(0x100000);
    S.h = cr_host_new(CR_PROFILE_XEN_4_22, S.nodes, pages, false);
    if (S.h == NULL || !make_domain(dom0, 0) || ((guest > 0 || claim > 0) && !make_domain(guest, claim))) {
        fprintf(stderr, "standin: could not make the host's dom0 and guest\n");
        return false;
    }

    return true;
}

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger, unsigned open_flags)
{
    (void)logger;
    (void)dombuild_logger;
    (void)open_flags;
    if (S.h == NULL && !setup()) {
        errno = EINVAL;
        return NULL;
    }

    xc_interface *xch = malloc(sizeof *xch);
    if (xch == NULL) {
        errno = ENOMEM;
        return NULL;
    }

    xch->magic = 0x5354;
    return xch;
}

/* The host outlives the handle, as a real one does. */
int xc_interface_close(xc_interface *xch)
{
    free(xch);
    return 0;
}

int xc_version(xc_interface *xch, int cmd, void *arg)
{
    (void)xch;
    (void)arg;
    return cmd == XENVER_version ? (4 << 16) | 22 : failed(ENOSYS);
}

int xc_domain_create(xc_interface *xch, uint32_t *pdomid, struct xen_domctl_createdomain *config)
{
    (void)xch;
    if (pdomid == NULL || config == NULL || *pdomid != 0 || config->max_vcpus < 1) {
        return failed(EINVAL); /* the stand-in chooses the domid; Xen wants a vcpu */
    }

    if (!allocate_overhead()) {
        return failed(ENOMEM);
    }

    cr_result d = cr_create(S.h, DOM0, 0);
    if (d.rc != CR_OK) {
        cr_xen_free(S.h, XEN, S.overhead);
        return failed((int)d.rc);
    }

    sdomain *s = sdom((int32_t)d.value);
    if (s == NULL) {
        return failed(ENOMEM);
    }

    s->overhead = S.overhead;
    *pdomid = (uint32_t)d.value - 1;
    return 0;
}

int xc_domain_destroy(xc_interface *xch, uint32_t domid)
{
    (void)xch;
    if (domid == 0) {
        return failed(EINVAL);
    }

    int32_t id = cr_id(domid);
    cr_result r = cr_destroy(S.h, DOM0, id);
    if (r.rc != CR_OK) {
        return failed((int)r.rc);
    }

    sdomain *s = sdom(id);
    if (s != NULL) {
        s->nowned = 0;
        if (s->overhead > 0 && S.nlate < sizeof S.late / sizeof S.late[0] && S.grace > 0) {
            S.late[S.nlate].pages = s->overhead;
            S.late[S.nlate++].countdown = S.grace;
        } else if (s->overhead > 0) {
            cr_xen_free(S.h, XEN, s->overhead);
        }

        s->overhead = 0;
    }

    return 0;
}

int xc_physinfo(xc_interface *xch, xc_physinfo_t *info)
{
    (void)xch;
    for (size_t i = 0; i < S.nlate;) {
        if (--S.late[i].countdown <= 0) {
            cr_xen_free(S.h, XEN, S.late[i].pages);
            S.late[i] = S.late[--S.nlate];
        } else {
            i++;
        }
    }

    cr_physinfo phys;
    cr_physinfo_read(S.h, &phys);
    memset(info, 0, sizeof *info);
    info->threads_per_core = 1;
    info->cores_per_socket = 1;
    info->nr_cpus = 1;
    info->nr_nodes = (uint32_t)S.nodes;
    info->max_node_id = (uint32_t)S.nodes - 1;
    info->total_pages = (uint64_t)(S.nodes * S.pages);
    info->free_pages = (uint64_t)phys.free;
    info->outstanding_pages = (uint64_t)phys.outstanding;
    info->max_mfn = S.next_mfn;
    return 0;
}

static bool fill(int32_t id, xc_domaininfo_t *info)
{
    cr_domaininfo d;
    if (id < 0 || cr_domaininfo_read(S.h, id, &d) != CR_OK) {
        return false;
    }

    memset(info, 0, sizeof *info);
    info->domain = (uint16_t)(id - 1);
    info->flags = XEN_DOMINF_paused | (d.state != CR_ALIVE ? XEN_DOMINF_dying : 0);
    info->tot_pages = (uint64_t)(d.tot - d.extra); /* domain_tot_pages(), Xen 4.14 and later */
    info->max_pages = (uint64_t)d.max;
    info->outstanding_pages = (uint64_t)d.claim;
    return true;
}

#if XVR_GETINFO_SINGLE
int xc_domain_getinfo_single(xc_interface *xch, uint32_t domid, xc_domaininfo_t *info)
{
    (void)xch;
    return fill(cr_id(domid), info) ? 0 : failed(ESRCH);
}
#else
int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains, xc_domaininfo_t *info)
{
    (void)xch;
    int n = 0;
    for (int32_t id = cr_id(first_domain); id >= 1 && id < S.h->next_domid && (unsigned)n < max_domains; id++) {
        n += fill(id, &info[n]) ? 1 : 0;
    }

    return n;
}
#endif

int xc_domain_setmaxmem(xc_interface *xch, uint32_t domid, uint64_t max_memkb)
{
    (void)xch;
    cr_result r = cr_maxmem(S.h, DOM0, cr_id(domid), (int64_t)(max_memkb >> 2));
    return r.rc == CR_OK ? 0 : failed((int)r.rc);
}

int xc_domain_claim_pages(xc_interface *xch, uint32_t domid, unsigned long nr_pages)
{
    (void)xch;
    int64_t pages = nr_pages > (unsigned long)INT64_MAX ? -1 : (int64_t)nr_pages;
#ifdef STANDIN_BROKEN_CLAIM
    pages -= pages > 0 ? 1 : 0; /* the deliberate fault: one page less than asked */
#endif
    cr_result r = cr_claim(S.h, DOM0, cr_id(domid), pages, false);
    return r.rc == CR_OK ? 0 : failed((int)r.rc);
}

static bool order_known(unsigned int order) { return order == 0 || order == 9 || order == 18; }

int xc_domain_populate_physmap_exact(xc_interface *xch, uint32_t domid, unsigned long nr_extents, unsigned int extent_order,
                                     unsigned int mem_flags, xen_pfn_t *extent_start)
{
    (void)xch;
    int32_t id = cr_id(domid);
    cr_domaininfo d;
    if (mem_flags != 0 || !order_known(extent_order)) {
        return failed(EINVAL); /* the runner passes no flags, and the orders the vectors know */
    }

    if (id < 0 || cr_domaininfo_read(S.h, id, &d) != CR_OK) {
        return failed(ESRCH);
    }

    uint64_t count = UINT64_C(1) << extent_order;
    for (unsigned long i = 0; i < nr_extents; i++) {
        if (cr_alloc(S.h, DOM0, id, (int32_t)extent_order, false, 0, false, false).rc != CR_OK) {
            return failed(EBUSY); /* the hypercall did i extents; libxenctrl's _exact says EBUSY */
        }

        uint64_t mfn = (S.next_mfn + count - 1) & ~(count - 1);
        S.next_mfn = mfn + count;
        if (!add_range(sdom(id), mfn, count)) {
            return failed(ENOMEM);
        }

        extent_start[i] = (xen_pfn_t)mfn;
    }

    return 0;
}

int xc_domain_decrease_reservation(xc_interface *xch, uint32_t domid, unsigned long nr_extents, unsigned int extent_order,
                                   xen_pfn_t *extent_start)
{
    (void)xch;
    int32_t id = cr_id(domid);
    cr_domaininfo d;
    if (!order_known(extent_order)) {
        return failed(EINVAL);
    }

    if (id < 0 || cr_domaininfo_read(S.h, id, &d) != CR_OK) {
        return failed(ESRCH);
    }

    uint64_t count = UINT64_C(1) << extent_order;
    sdomain *s = sdom(id);
    for (unsigned long i = 0; i < nr_extents; i++) {
        srange backup = {extent_start[i], count};
        if (!take_range(s, backup.first, backup.count)) {
            return (int)i; /* not its page: the hypercall stops there, with no errno */
        }

        if (cr_decrease(S.h, DOM0, id, (int32_t)extent_order).rc != CR_OK) {
            add_range(s, backup.first, backup.count);
            return (int)i;
        }
    }

    return (int)nr_extents;
}

/*
 * xen-vector-runner: runs ClaimVerified's conformance vectors (the .jsonl files of traces/conformance/<profile>)
 * through libxenctrl on a real Xen host, as root in dom0, and reports per vector "passed", "FAILED line N: expected X,
 * got Y" or "not runnable: OP". README.md in this folder says how to build and run it, what each operation becomes, how a vector's
 * tiny host is made on a big one (offsets from physinfo, a filler claim) and what a real host cannot show.
 *
 * Only libxenctrl's public header is used (xvr-xenctrl.h). Build: cc -std=gnu11 -O2 -Wall -Wextra -Werror
 * -o xen-vector-runner xen-vector-runner.c ../json/json.c -lxenctrl
 */
#define _GNU_SOURCE

#include "xvr-xenctrl.h"

#include "../json/json.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define XVR_VERSION "xen-vector-runner 1.0"
#define MAX_COUNTERS 40
#define MAX_DOMAINS 64   /* domains one vector creates */
#define MAX_RAW 32       /* domids one vector names without creating them */
#define DOMID_TOP 0x7FEF /* DOMID_FIRST_RESERVED - 1: absent domids are taken from here down */
#define MAX_LINE (1024 * 1024)

/* What a call gave: 0 (ok), an errno, or a refusal without errno (the hypercall stopped at an extent). */
#define GOT_REFUSED (-1)

/* ---- a vector ----------------------------------------------------------------------------------------------------- */

typedef enum { OP_CREATE, OP_MAXMEM, OP_CLAIM, OP_POPULATE, OP_DECREASE, OP_PHYSINFO, OP_DOMAININFO, OP_KILL, OP_DESTROY, OP_OTHER } opkind;

static const char *const RUNNABLE[] = {"create", "maxmem", "claim", "populate", "decrease", "physinfo", "domaininfo", "kill", "destroy"};

static const char *const KNOWN_OPS[] = {"create", "maxmem", "node-affinity", "unpause", "claim", "claimset", "populate", "extra", "decrease", "share", "offline",
                                        "xen-alloc", "xen-free", "tmem-put", "tmem-flush", "tmem-flush-all", "kill", "kill-step",
                                        "destroy", "physinfo", "domaininfo"};

static const char *const RESULTS[] = {"ok", "EPERM", "ENOENT", "ESRCH", "E2BIG", "ENOMEM", "EBUSY", "EINVAL", "ENOSYS", "ERESTART", "EOPNOTSUPP"};

typedef struct {
    char name[32];
    bool is_state;
    int64_t value;
    char state[8];
} counter;

typedef struct {
    long line;
    char *source;
    char op[24];
    opkind kind;
    char as[24]; /* "" when absent (the toolstack, dom0), else "dom0", "xen" or a domid */
    bool has_domain, has_max, has_pages, has_order, has_node, has_result;
    int64_t domain, max, pages, order, node;
    bool soft;
    char result[12];
    counter counters[MAX_COUNTERS];
    int ncounters;
    counter audit[MAX_COUNTERS];
    int naudit;
} step;

typedef struct {
    char *file;
    char name[128];
    char profile[24];
    int64_t nodes, pages;
    bool llc;
    step *steps;
    size_t nsteps;
} vector;

/* ---- reading a vector --------------------------------------------------------------------------------------------- */

static bool one_of(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, list[i]) == 0) {
            return true;
        }
    }

    return false;
}

#define ONE_OF(s, list) one_of((s), (list), sizeof(list) / sizeof((list)[0]))

static bool read_int(const json_value *v, int64_t *out)
{
    if (v == NULL || v->kind != JSON_INT) {
        return false;
    }

    *out = v->integer;
    return true;
}

/* Only the members named in allowed (NULL-terminated); false with the first other one in bad. */
static bool only_members(const json_value *object, const char *const *allowed, const char **bad)
{
    for (const json_member *m = object->first; m != NULL; m = m->next) {
        bool known = false;
        for (const char *const *a = allowed; *a != NULL; a++) {
            known = known || strcmp(m->key, *a) == 0;
        }

        if (!known) {
            *bad = m->key;
            return false;
        }
    }

    return true;
}

static bool read_counters(const json_value *object, counter *out, int *count, char *error, size_t error_size)
{
    if (object->kind != JSON_OBJECT) {
        snprintf(error, error_size, "counters are not an object");
        return false;
    }

    for (const json_member *m = object->first; m != NULL; m = m->next) {
        if (*count >= MAX_COUNTERS || strlen(m->key) >= sizeof out->name) {
            snprintf(error, error_size, "too many counters, or the name \"%s\" is too long", m->key);
            return false;
        }

        counter *c = &out[(*count)++];
        snprintf(c->name, sizeof c->name, "%s", m->key);
        if (m->value->kind == JSON_INT) {
            c->value = m->value->integer;
        } else if (m->value->kind == JSON_STRING && strcmp(m->key, "state") == 0
                   && (strcmp(m->value->string, "alive") == 0 || strcmp(m->value->string, "dying") == 0 || strcmp(m->value->string, "dead") == 0)) {
            c->is_state = true;
            snprintf(c->state, sizeof c->state, "%s", m->value->string);
        } else {
            snprintf(error, error_size, "the counter \"%s\" has a value that is neither a number nor a state", m->key);
            return false;
        }
    }

    return true;
}

static bool read_step(const json_value *v, step *s, char *error, size_t error_size)
{
    static const char *const step_keys[] = {"line", "source", "request", "result", "counters", "audit", NULL};
    static const char *const request_keys[] = {"client", "id", "op", "as", "domain", "max", "pages", "soft", "order", "node", "exact", "affinity", "pool", "entries", NULL};
    const char *bad = NULL;
    if (!only_members(v, step_keys, &bad)) {
        snprintf(error, error_size, "unknown member \"%s\"", bad);
        return false;
    }

    const json_value *source = json_get(v, "source"), *request = json_get(v, "request");
    if (!read_int(json_get(v, "line"), &s->line) || source == NULL || source->kind != JSON_STRING || request == NULL
        || request->kind != JSON_OBJECT) {
        snprintf(error, error_size, "a step needs line, source and request");
        return false;
    }

    if (!only_members(request, request_keys, &bad)) {
        snprintf(error, error_size, "unknown request member \"%s\"", bad);
        return false;
    }

    s->source = strdup(source->string);
    const json_value *op = json_get(request, "op");
    if (s->source == NULL || op == NULL || op->kind != JSON_STRING || !ONE_OF(op->string, KNOWN_OPS)) {
        snprintf(error, error_size, "a request needs a known op");
        return false;
    }

    snprintf(s->op, sizeof s->op, "%s", op->string);
    s->kind = OP_OTHER;
    for (size_t i = 0; i < sizeof RUNNABLE / sizeof RUNNABLE[0]; i++) {
        if (strcmp(s->op, RUNNABLE[i]) == 0) {
            s->kind = (opkind)i;
        }
    }

    const json_value *as = json_get(request, "as");
    if (as != NULL) {
        if (as->kind == JSON_STRING && (strcmp(as->string, "dom0") == 0 || strcmp(as->string, "xen") == 0)) {
            snprintf(s->as, sizeof s->as, "%s", as->string);
        } else if (as->kind == JSON_INT) {
            snprintf(s->as, sizeof s->as, "dom%" PRId64, as->integer);
        } else {
            snprintf(error, error_size, "\"as\" is neither dom0, xen nor a domid");
            return false;
        }
    }

    struct {
        const char *key;
        bool *has;
        int64_t *value;
    } numbers[] = {{"domain", &s->has_domain, &s->domain}, {"max", &s->has_max, &s->max}, {"pages", &s->has_pages, &s->pages},
                   {"order", &s->has_order, &s->order}, {"node", &s->has_node, &s->node}};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        const json_value *n = json_get(request, numbers[i].key);
        if (n != NULL && !read_int(n, numbers[i].value)) {
            snprintf(error, error_size, "\"%s\" is not an integer", numbers[i].key);
            return false;
        }

        *numbers[i].has = n != NULL;
    }

    const json_value *soft = json_get(request, "soft");
    if (soft != NULL && soft->kind != JSON_BOOL) {
        snprintf(error, error_size, "\"soft\" is not a boolean");
        return false;
    }

    s->soft = soft != NULL && soft->boolean;
    const json_value *result = json_get(v, "result");
    if (result != NULL) {
        if (result->kind != JSON_STRING || !ONE_OF(result->string, RESULTS)) {
            snprintf(error, error_size, "an unknown result");
            return false;
        }

        s->has_result = true;
        snprintf(s->result, sizeof s->result, "%s", result->string);
    }

    /* What each operation needs (the schema's allOf): a missing domain must never fall through to domid 0. */
    bool needs_domain = s->kind != OP_CREATE && s->kind != OP_PHYSINFO && s->kind != OP_OTHER;
    if ((needs_domain && !s->has_domain) || ((s->kind == OP_CREATE || s->kind == OP_MAXMEM) && !s->has_max)
        || (s->kind == OP_CLAIM && !s->has_pages) || ((s->kind == OP_POPULATE || s->kind == OP_DECREASE) && !s->has_order)) {
        snprintf(error, error_size, "%s without its arguments", s->op);
        return false;
    }

    const json_value *counters = json_get(v, "counters"), *audit = json_get(v, "audit");
    return (counters == NULL || read_counters(counters, s->counters, &s->ncounters, error, error_size))
           && (audit == NULL || read_counters(audit, s->audit, &s->naudit, error, error_size));
}

static bool read_header(const json_value *v, vector *vec, char *error, size_t error_size)
{
    static const char *const header_keys[] = {"vector", "profile", "host", NULL};
    static const char *const host_keys[] = {"nodes", "pages", "llc", NULL};
    const char *bad = NULL;
    const json_value *name = json_get(v, "vector"), *profile = json_get(v, "profile"), *host = json_get(v, "host");
    if (v->kind != JSON_OBJECT || !only_members(v, header_keys, &bad) || name == NULL || name->kind != JSON_STRING || profile == NULL
        || profile->kind != JSON_STRING || host == NULL || host->kind != JSON_OBJECT || !only_members(host, host_keys, &bad)) {
        snprintf(error, error_size, "the first line is not a vector's header (vector, profile, host)");
        return false;
    }

    const json_value *llc = json_get(host, "llc");
    if (!read_int(json_get(host, "nodes"), &vec->nodes) || !read_int(json_get(host, "pages"), &vec->pages) || llc == NULL
        || llc->kind != JSON_BOOL || vec->nodes < 1 || vec->nodes > 64 || vec->pages < 0 || vec->pages > (INT64_C(1) << 40)) {
        snprintf(error, error_size, "the header's host is not nodes (1..64), pages (0..2^40) and llc");
        return false;
    }

    vec->llc = llc->boolean;
    snprintf(vec->name, sizeof vec->name, "%s", name->string);
    snprintf(vec->profile, sizeof vec->profile, "%s", profile->string);
    return true;
}

static void free_vector(vector *v)
{
    for (size_t i = 0; i < v->nsteps; i++) {
        free(v->steps[i].source);
    }

    free(v->steps);
    free(v->file);
    memset(v, 0, sizeof *v);
}

/* A .jsonl vector; false with the reason (and the file's line) in error. */
static bool load_vector(const char *path, vector *v, char *error, size_t error_size)
{
    memset(v, 0, sizeof *v);
    v->file = strdup(path);
    FILE *f = fopen(path, "r");
    if (v->file == NULL || f == NULL) {
        snprintf(error, error_size, "cannot read it: %s", strerror(errno));
        return false;
    }

    char *line = NULL;
    size_t capacity = 0, allocated = 0;
    ssize_t length;
    long number = 0;
    bool header = false, okay = true;
    while (okay && (length = getline(&line, &capacity, f)) >= 0) {
        number++;
        while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) {
            line[--length] = '\0';
        }

        if (length == 0) {
            continue;
        }

        char reason[256];
        json_arena arena = {0};
        json_value *value = length > MAX_LINE ? NULL : json_parse(line, (size_t)length, &arena, reason, sizeof reason);
        if (value == NULL && length > MAX_LINE) {
            snprintf(reason, sizeof reason, "a line over %d bytes", MAX_LINE);
        }

        if (value == NULL) {
            okay = false;
        } else if (!header) {
            okay = read_header(value, v, reason, sizeof reason);
            header = true;
        } else {
            if (v->nsteps == allocated) {
                allocated = allocated == 0 ? 16 : allocated * 2;
                step *grown = realloc(v->steps, allocated * sizeof *grown);
                if (grown == NULL) {
                    snprintf(reason, sizeof reason, "out of memory");
                    okay = false;
                } else {
                    v->steps = grown;
                }
            }

            if (okay) {
                step *s = &v->steps[v->nsteps];
                memset(s, 0, sizeof *s);
                okay = value->kind == JSON_OBJECT && read_step(value, s, reason, sizeof reason);
                if (!okay && value->kind != JSON_OBJECT) {
                    snprintf(reason, sizeof reason, "a step is not an object");
                }

                v->nsteps += s->source != NULL ? 1 : 0; /* a half-read step keeps its source, for free_vector */
            }
        }

        json_free(&arena);
        if (!okay) {
            snprintf(error, error_size, "line %ld: %s", number, reason);
        }
    }

    free(line);
    fclose(f);
    if (okay && !header) {
        snprintf(error, error_size, "empty: no header line");
        okay = false;
    }

    return okay;
}

/* ---- the host ----------------------------------------------------------------------------------------------------- */

typedef enum { FILLER_AUTO, FILLER_ALWAYS, FILLER_NEVER } filler_mode;

typedef struct {
    xc_interface *xch;
    int major, minor;
    bool tot_less_extra; /* Xen 4.14 and later: getdomaininfo's tot_pages is tot_pages - extra_pages */
    filler_mode filler;
    bool hvm;
    long settle_ms;
    bool verbose;
} runner;

static volatile sig_atomic_t interrupted;

static void on_signal(int signal) { interrupted = signal; }

static const char *errno_name(int e, char *buf, size_t size)
{
    switch (e) {
    case 0: return "ok";
    case GOT_REFUSED: return "a refusal without errno";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
#ifdef ERESTART
    case ERESTART: return "ERESTART";
#endif
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EEXIST: return "EEXIST";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    default: snprintf(buf, size, "errno %d (%s)", e, strerror(e)); return buf;
    }
}

/* What a libxenctrl call returning 0 or -1 (errno set) gave. */
static int outcome(int rc) { return rc >= 0 ? 0 : errno != 0 ? errno : EIO; }

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR && !interrupted) {
    }
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int physinfo(runner *R, xc_physinfo_t *pi)
{
    memset(pi, 0, sizeof *pi);
    errno = 0;
    return outcome(xc_physinfo(R->xch, pi));
}

/* getdomaininfo of one domid: 0, ESRCH when it does not exist, or another errno. */
static int domaininfo(runner *R, uint32_t domid, xc_domaininfo_t *info)
{
    memset(info, 0, sizeof *info);
    errno = 0;
#if XVR_GETINFO_SINGLE
    return outcome(xc_domain_getinfo_single(R->xch, domid, info));
#else
    int n = xc_domain_getinfolist(R->xch, domid, 1, info);
    if (n < 0) {
        return outcome(n);
    }

    return n == 1 && info->domain == domid ? 0 : ESRCH; /* the list starts at the next domain that exists */
#endif
}

/* max_mem in KiB for a count of pages: xc_domain_setmaxmem(-1) for anything at or above 2^62 - 1 pages. */
static uint64_t max_kb(int64_t pages) { return pages >= (INT64_C(1) << 62) - 1 ? UINT64_MAX : (uint64_t)pages << 2; }

/* The smallest domain Xen makes: one vcpu, no device; PV on x86 unless --hvm; ARM's are always HVM with HAP. */
static struct xen_domctl_createdomain domain_config(const runner *R)
{
    struct xen_domctl_createdomain config;
    memset(&config, 0, sizeof config);
    config.max_vcpus = 1;
    config.max_evtchn_port = 1023;
#ifdef XEN_DOMCTL_GRANT_version
    /* Xen 4.17 and later: a negative limit is the hypervisor's default; a grant table version is required. */
    config.max_grant_frames = -1;
    config.max_maptrack_frames = -1;
    config.grant_opts = XEN_DOMCTL_GRANT_version(1);
#else
    config.max_grant_frames = 32;
    config.max_maptrack_frames = 1024;
#endif
#if defined(__x86_64__) || defined(__i386__)
    if (R->hvm) {
        config.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
        config.arch.emulation_flags = XEN_X86_EMU_LAPIC; /* PVH */
    }
#elif defined(__aarch64__) || defined(__arm__)
    (void)R;
    config.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    config.arch.gic_version = XEN_DOMCTL_CONFIG_GIC_NATIVE;
#else
#error "xen-vector-runner knows x86 and ARM domain configurations"
#endif
    return config;
}

/* ---- running one vector ------------------------------------------------------------------------------------------- */

typedef struct {
    xen_pfn_t first;
    uint64_t count;
} frames;

typedef enum { D_ALIVE, D_KILLED, D_DESTROYED } dstatus;

typedef struct {
    uint32_t real;
    dstatus status;
    int64_t overhead;  /* free pages Xen took to create it (its own structures), measured */
    uint64_t tot_base; /* tot_pages right after creation */
    frames *owned;     /* what populate gave it (frames as the hypercall wrote them back), merged */
    size_t nowned, capacity;
    xen_pfn_t next_gfn;
} vdomain;

typedef enum { R_PASSED, R_FAILED, R_NOT_RUNNABLE, R_ERROR } verdict;

typedef struct {
    runner *R;
    const vector *v;
    int64_t host_pages;
    bool use_filler, filler_created;
    uint32_t filler_domid;
    int64_t filler; /* pages the filler claims now */
    int64_t free_pre, out_pre;   /* before anything of the vector */
    int64_t free_base, out_base; /* after the filler domain exists, before the vector's first line */
    int64_t overhead_live;       /* what the vector's unreaped domains cost Xen */
    vdomain doms[MAX_DOMAINS + 1]; /* by the vector's domid: 1, 2, ... in the order of creation */
    int64_t next_vid;
    struct {
        int64_t vid;
        uint32_t real;
    } raw[MAX_RAW];
    int nraw;
    verdict verdict;
    char message[768];
} vrun;

static void set_verdict(vrun *r, verdict v, const char *format, ...)
{
    if (r->verdict != R_PASSED) {
        return;
    }

    va_list args;
    va_start(args, format);
    vsnprintf(r->message, sizeof r->message, format, args);
    va_end(args);
    r->verdict = v;
}

/* The vector's free pages and claims, seen through the real host's counters. */
static int64_t vfree(const vrun *r, const xc_physinfo_t *pi) { return r->host_pages + ((int64_t)pi->free_pages - r->free_base) + r->overhead_live; }

static int64_t vout(const vrun *r, const xc_physinfo_t *pi) { return (int64_t)pi->outstanding_pages - r->out_base - r->filler; }

static bool used_real(const vrun *r, uint32_t real)
{
    for (int64_t i = 1; i < r->next_vid; i++) {
        if (r->doms[i].real == real) {
            return true;
        }
    }

    for (int i = 0; i < r->nraw; i++) {
        if (r->raw[i].real == real) {
            return true;
        }
    }

    return r->filler_created && r->filler_domid == real;
}

/*
 * The real domid of the vector's domid vid: a domain the vector created (1, 2, ... in order), or else one that does
 * not exist here, chosen from the top of the domid space and checked absent.
 */
static bool real_domid(vrun *r, int64_t vid, uint32_t *real, long line)
{
    if (vid >= 1 && vid < r->next_vid) {
        *real = r->doms[vid].real;
        return true;
    }

    for (int i = 0; i < r->nraw; i++) {
        if (r->raw[i].vid == vid) {
            *real = r->raw[i].real;
            return true;
        }
    }

    for (uint32_t c = DOMID_TOP; c > 0 && r->nraw < MAX_RAW; c--) {
        xc_domaininfo_t info;
        if (!used_real(r, c) && domaininfo(r->R, c, &info) == ESRCH) {
            r->raw[r->nraw].vid = vid;
            r->raw[r->nraw++].real = c;
            *real = c;
            return true;
        }
    }

    set_verdict(r, R_ERROR, "error line %ld: no absent domid found for dom%" PRId64, line, vid);
    return false;
}

static vdomain *bound(vrun *r, int64_t vid) { return vid >= 1 && vid < r->next_vid ? &r->doms[vid] : NULL; }

/* Claims the filler's pages (releasing what it claimed first: one claim at a time). */
static bool filler_set(vrun *r, int64_t pages, long line)
{
    if (!r->use_filler) {
        return true;
    }

    char buf[64];
    if (r->filler != 0) {
        errno = 0;
        int e = outcome(xc_domain_claim_pages(r->R->xch, r->filler_domid, 0));
        if (e != 0) {
            set_verdict(r, R_ERROR, "error line %ld: releasing the filler's claim failed: %s", line, errno_name(e, buf, sizeof buf));
            return false;
        }

        r->filler = 0;
    }

    if (pages < 0) {
        set_verdict(r, R_ERROR, "error line %ld: the vector's host and its domains' overhead (%" PRId64 " pages) exceed the free memory",
                    line, r->host_pages + r->overhead_live);
        return false;
    }

    if (pages > 0) {
        xc_physinfo_t before, after;
        physinfo(r->R, &before);
        errno = 0;
        int e = outcome(xc_domain_claim_pages(r->R->xch, r->filler_domid, (unsigned long)pages));
        if (e != 0) {
            set_verdict(r, R_ERROR, "error line %ld: the filler claim of %" PRId64 " pages was refused (%s): is the host quiet?", line,
                        pages, errno_name(e, buf, sizeof buf));
            return false;
        }

        r->filler = pages;
        /* libxenctrl long answered 0 where the hypervisor said ENOSYS (no claims): look at what was staked. */
        physinfo(r->R, &after);
        if ((int64_t)after.outstanding_pages - (int64_t)before.outstanding_pages != pages) {
            set_verdict(r, R_ERROR, "error line %ld: the filler claimed %" PRId64 " pages but physinfo's claims grew by %" PRId64
                        " (no claims in this Xen, or a host that is not quiet)", line, pages,
                        (int64_t)after.outstanding_pages - (int64_t)before.outstanding_pages);
            return false;
        }
    }

    return true;
}

/* What the filler claims so that the unclaimed free memory is the vector's: all of it but the vector's host. */
static int64_t filler_target(const vrun *r) { return r->free_base - r->out_base - r->host_pages - r->overhead_live; }

/* Waits (up to --settle-ms) until physinfo shows at least `target` free pages; the last reading in pi. */
static bool settle_free(vrun *r, int64_t target, xc_physinfo_t *pi)
{
    long deadline = now_ms() + r->R->settle_ms, pause = 1;
    for (;;) {
        if (physinfo(r->R, pi) == 0 && (int64_t)pi->free_pages >= target) {
            return true;
        }

        if (now_ms() >= deadline || interrupted) {
            return false;
        }

        sleep_ms(pause);
        pause = pause < 50 ? pause * 2 : 50;
    }
}

static bool settle_gone(vrun *r, uint32_t real)
{
    long deadline = now_ms() + r->R->settle_ms, pause = 1;
    for (;;) {
        xc_domaininfo_t info;
        if (domaininfo(r->R, real, &info) == ESRCH) {
            return true;
        }

        if (now_ms() >= deadline || interrupted) {
            return false;
        }

        sleep_ms(pause);
        pause = pause < 50 ? pause * 2 : 50;
    }
}

static int by_first(const void *a, const void *b)
{
    xen_pfn_t x = ((const frames *)a)->first, y = ((const frames *)b)->first;
    return x < y ? -1 : x > y;
}

/* Adds a run of frames; the runs stay sorted and maximal (touching runs merged), so a block lies inside one run. */
static bool add_frames(vdomain *d, xen_pfn_t first, uint64_t count)
{
    if (d->nowned == d->capacity) {
        size_t capacity = d->capacity == 0 ? 8 : d->capacity * 2;
        frames *grown = realloc(d->owned, capacity * sizeof *grown);
        if (grown == NULL) {
            return false;
        }

        d->owned = grown;
        d->capacity = capacity;
    }

    d->owned[d->nowned++] = (frames){first, count};
    qsort(d->owned, d->nowned, sizeof *d->owned, by_first);
    size_t kept = 0;
    for (size_t i = 1; i < d->nowned; i++) {
        if (d->owned[i].first <= d->owned[kept].first + d->owned[kept].count) {
            xen_pfn_t end = d->owned[i].first + d->owned[i].count;
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

static uint64_t owned_pages(const vdomain *d)
{
    uint64_t n = 0;
    for (size_t i = 0; i < d->nowned; i++) {
        n += d->owned[i].count;
    }

    return n;
}

static bool owns(const vdomain *d, xen_pfn_t first, uint64_t count)
{
    for (size_t i = 0; i < d->nowned; i++) {
        if (first >= d->owned[i].first && first + count <= d->owned[i].first + d->owned[i].count) {
            return true;
        }
    }

    return false;
}

/* The highest block of `count` frames, aligned to count, that the domain owns; false if none. */
static bool find_block(const vdomain *d, uint64_t count, xen_pfn_t *out)
{
    bool found = false;
    for (size_t i = 0; i < d->nowned; i++) {
        xen_pfn_t end = d->owned[i].first + d->owned[i].count;
        if (end < count) {
            continue;
        }

        xen_pfn_t start = (end - count) & ~(xen_pfn_t)(count - 1);
        if (start >= d->owned[i].first && (!found || start > *out)) {
            *out = start;
            found = true;
        }
    }

    return found;
}

static bool remove_frames(vdomain *d, xen_pfn_t first, uint64_t count)
{
    for (size_t i = 0; i < d->nowned; i++) {
        frames f = d->owned[i];
        if (first < f.first || first + count > f.first + f.count) {
            continue;
        }

        frames before = {f.first, first - f.first}, after = {first + count, f.first + f.count - (first + count)};
        d->owned[i] = d->owned[--d->nowned];
        return (before.count == 0 || add_frames(d, before.first, before.count)) && (after.count == 0 || add_frames(d, after.first, after.count));
    }

    return false;
}

static const char *const EXTENT_ERRORS_POPULATE[] = {"ENOMEM", "E2BIG", "EPERM", "EINVAL"};
static const char *const EXTENT_ERRORS_DECREASE[] = {"EINVAL"};

/*
 * Whether `got` answers `expected`. A hypercall that stops at an extent returns how many it did and no errno
 * (populate_physmap, decrease_reservation): that refusal answers any errno the vector's extent path can give, which
 * is as far as a toolstack can see.
 */
static bool result_matches(const step *s, int got)
{
    char buf[64];
    if (got == GOT_REFUSED) {
        return s->kind == OP_POPULATE ? ONE_OF(s->result, EXTENT_ERRORS_POPULATE)
               : s->kind == OP_DECREASE ? ONE_OF(s->result, EXTENT_ERRORS_DECREASE)
                                         : false;
    }

    return strcmp(s->result, errno_name(got, buf, sizeof buf)) == 0;
}

typedef enum { HC_NONE, HC_FREE, HC_OUTSTANDING } host_counter;

/*
 * A host counter the runner can read on any host: free and outstanding (and node 0's of a one-node vector, which is
 * the whole host). Not offlined, shared, xenheap: they are not in physinfo (and no runnable operation moves them).
 */
static host_counter readable(const vrun *r, const counter *c)
{
    if (c->is_state) {
        return HC_NONE;
    }

    if (strcmp(c->name, "free") == 0 || (r->v->nodes == 1 && strcmp(c->name, "free@node0") == 0)) {
        return HC_FREE;
    }

    if (strcmp(c->name, "outstanding") == 0 || (r->v->nodes == 1 && strcmp(c->name, "outstanding@node0") == 0)) {
        return HC_OUTSTANDING;
    }

    return HC_NONE;
}

static bool check_host_counters(vrun *r, const step *s, const counter *cs, int n, const xc_physinfo_t *pi)
{
    for (int i = 0; i < n; i++) {
        host_counter which = readable(r, &cs[i]);
        int64_t got = which == HC_FREE ? vfree(r, pi) : which == HC_OUTSTANDING ? vout(r, pi) : 0;
        if (which != HC_NONE && got != cs[i].value) {
            set_verdict(r, R_FAILED, "FAILED line %ld: expected %s=%" PRId64 ", got %s=%" PRId64 " (physinfo free_pages=%" PRIu64
                        ", outstanding_pages=%" PRIu64 ")", s->line, cs[i].name, cs[i].value, cs[i].name, got,
                        (uint64_t)pi->free_pages, (uint64_t)pi->outstanding_pages);
            return false;
        }
    }

    return true;
}

static int64_t counter_value(const step *s, const char *name, int64_t otherwise)
{
    for (int i = 0; i < s->ncounters; i++) {
        if (!s->counters[i].is_state && strcmp(s->counters[i].name, name) == 0) {
            return s->counters[i].value;
        }
    }

    return otherwise;
}

static bool check_domain_counters(vrun *r, const step *s, const vdomain *d, const xc_domaininfo_t *info)
{
    bool dying = (info->flags & XEN_DOMINF_dying) != 0;
    for (int i = 0; i < s->ncounters; i++) {
        const counter *c = &s->counters[i];
        if (c->is_state) {
            bool want_dying = strcmp(c->state, "alive") != 0;
            if (want_dying != dying) {
                set_verdict(r, R_FAILED, "FAILED line %ld: expected state=%s, got state=%s", s->line, c->state, dying ? "dying or dead" : "alive");
                return false;
            }

            continue;
        }

        int64_t expected = c->value, got;
        if (strcmp(c->name, "tot") == 0) {
            /* getdomaininfo's tot_pages is domain_tot_pages() from Xen 4.14 on: tot_pages less extra_pages. */
            expected = r->R->tot_less_extra ? c->value - counter_value(s, "extra", 0) : c->value;
            got = (int64_t)(info->tot_pages - (d != NULL ? d->tot_base : 0));
        } else if (strcmp(c->name, "max") == 0) {
            got = (int64_t)info->max_pages;
        } else if (strcmp(c->name, "claim") == 0) {
            got = (int64_t)info->outstanding_pages;
        } else {
            continue; /* extra, claim@nodeK: getdomaininfo does not report them */
        }

        if (got != expected) {
            set_verdict(r, R_FAILED, "FAILED line %ld: expected %s=%" PRId64 "%s, got %s=%" PRId64, s->line, c->name, expected,
                        strcmp(c->name, "tot") == 0 && r->R->tot_less_extra ? " (tot - extra)" : "", c->name, got);
            return false;
        }
    }

    return true;
}

static bool order_known(int64_t order) { return order == 0 || order == 9 || order == 18; }

/*
 * Why the vector cannot run on a real host, or NULL. An operation outside the runner's, a caller other than the
 * toolstack, an argument libxenctrl cannot express, a host it cannot imitate, or a use of a domain after `kill`
 * (a real Xen reaps a dead domain nobody holds: its dead state cannot be kept for later calls).
 */
static const char *not_runnable(const vector *v, char *why, size_t size)
{
    if (v->llc) {
        snprintf(why, size, "host llc (LLC colouring)");
        return why;
    }

    if (v->nodes != 1) {
        snprintf(why, size, "host nodes=%" PRId64 " (per-node counters are not in physinfo)", v->nodes);
        return why;
    }

    int64_t killed[MAX_DOMAINS];
    int nkilled = 0;
    for (size_t i = 0; i < v->nsteps; i++) {
        const step *s = &v->steps[i];
        if (s->kind == OP_OTHER) {
            snprintf(why, size, "%s (line %ld)", s->op, s->line);
            return why;
        }

        if (s->as[0] != '\0' && strcmp(s->as, "dom0") != 0) {
            snprintf(why, size, "%s as=%s (line %ld): the runner calls as the toolstack", s->op, s->as, s->line);
            return why;
        }

        const char *bad = (s->has_max && s->max < 0) ? "a negative max" : (s->has_pages && s->pages < 0) ? "a negative claim"
                          : s->soft ? "a soft claim"
                          : (s->has_order && !order_known(s->order)) ? "an order other than 0, 9 and 18"
                          : s->has_node ? "a node" : NULL;
        if (bad != NULL) {
            snprintf(why, size, "%s with %s (line %ld)", s->op, bad, s->line);
            return why;
        }

        for (int k = 0; k < nkilled && s->has_domain; k++) {
            if (killed[k] == s->domain && s->kind != OP_DOMAININFO && s->kind != OP_PHYSINFO) {
                snprintf(why, size, "%s after kill (line %ld): a real Xen reaps a dead domain", s->op, s->line);
                return why;
            }
        }

        if (s->kind == OP_KILL && s->has_domain && (!s->has_result || strcmp(s->result, "ok") == 0) && nkilled < MAX_DOMAINS) {
            killed[nkilled++] = s->domain;
        }
    }

    return NULL;
}

static bool wants_filler(const runner *R, const vector *v)
{
    if (R->filler != FILLER_AUTO) {
        return R->filler == FILLER_ALWAYS;
    }

    for (size_t i = 0; i < v->nsteps; i++) {
        if (v->steps[i].has_result && strcmp(v->steps[i].result, "ENOMEM") == 0) {
            return true;
        }
    }

    return false;
}

static bool run_create(vrun *r, const step *s, int *got)
{
    if (r->next_vid > MAX_DOMAINS) {
        set_verdict(r, R_ERROR, "error line %ld: more than %d domains", s->line, MAX_DOMAINS);
        return false;
    }

    /* Xen takes its own pages for a new domain, and claims block Xen too: the filler steps aside meanwhile. */
    if (!filler_set(r, 0, s->line)) {
        return false;
    }

    xc_physinfo_t before, after;
    physinfo(r->R, &before);
    struct xen_domctl_createdomain config = domain_config(r->R);
    uint32_t domid = 0;
    errno = 0;
    *got = outcome(xc_domain_create(r->R->xch, &domid, &config));
    if (*got == 0) {
        errno = 0;
        *got = outcome(xc_domain_setmaxmem(r->R->xch, domid, max_kb(s->max)));
        if (*got != 0) {
            xc_domain_destroy(r->R->xch, domid);
            settle_gone(r, domid);
        }
    }

    if (*got == 0) {
        physinfo(r->R, &after);
        vdomain *d = &r->doms[r->next_vid++];
        memset(d, 0, sizeof *d);
        d->real = domid;
        d->status = D_ALIVE;
        d->overhead = (int64_t)before.free_pages - (int64_t)after.free_pages;
        r->overhead_live += d->overhead;
        xc_domaininfo_t info;
        if (domaininfo(r->R, domid, &info) == 0) {
            d->tot_base = info.tot_pages;
        }

        if (r->R->verbose) {
            fprintf(stderr, "  d%" PRId64 " is domid %" PRIu32 "; Xen took %" PRId64 " pages to create it\n", r->next_vid - 1, domid, d->overhead);
        }
    }

    return filler_set(r, filler_target(r), s->line);
}

static bool run_kill(vrun *r, const step *s, uint32_t real, int *got)
{
    vdomain *d = bound(r, s->domain);
    xc_physinfo_t before, pi;
    xc_domaininfo_t info;
    uint64_t tot = 0;
    if (d != NULL && d->status == D_ALIVE) {
        physinfo(r->R, &before);
        tot = domaininfo(r->R, real, &info) == 0 ? info.tot_pages : 0;
    }

    errno = 0;
    *got = outcome(xc_domain_destroy(r->R->xch, real));
    if (*got != 0 || d == NULL || d->status != D_ALIVE) {
        return true;
    }

    /* Its pages come back at once; what Xen keeps for the domain itself when it is reaped, a moment later. */
    d->status = s->kind == OP_DESTROY ? D_DESTROYED : D_KILLED;
    int64_t target = (int64_t)before.free_pages + (int64_t)tot + d->overhead;
    if (!settle_free(r, target, &pi) && r->R->verbose) {
        fprintf(stderr, "  the memory of domid %" PRIu32 " did not all come back in %ld ms (%" PRIu64 " free, %" PRId64 " expected)\n", real,
                r->R->settle_ms, (uint64_t)pi.free_pages, target);
    }

    if (s->kind == OP_DESTROY && !settle_gone(r, real) && r->R->verbose) {
        fprintf(stderr, "  domid %" PRIu32 " still resolves %ld ms after its destroy\n", real, r->R->settle_ms);
    }

    r->overhead_live -= d->overhead;
    d->overhead = 0;
    d->nowned = 0;
    return filler_set(r, filler_target(r), s->line);
}

static bool run_populate(vrun *r, const step *s, uint32_t real, int *got)
{
    vdomain *d = bound(r, s->domain);
    uint64_t count = UINT64_C(1) << s->order;
    xen_pfn_t extent[1] = {d != NULL ? (d->next_gfn + count - 1) & ~(xen_pfn_t)(count - 1) : 0};
    xen_pfn_t gfn = extent[0];
    errno = 0;
    int rc = xc_domain_populate_physmap_exact(r->R->xch, real, 1, (unsigned)s->order, 0, extent);
    /* libxenctrl's _exact answers EBUSY when the hypercall populated fewer extents than asked (and gave no errno). */
    *got = rc == 0 ? 0 : errno == EBUSY ? GOT_REFUSED : outcome(rc);
    if (*got == 0 && d != NULL) {
        d->next_gfn = gfn + count;
        /* PV: the hypercall wrote back the machine frame, which is what decrease_reservation takes; HVM: the gfn. */
        if (!add_frames(d, extent[0], count)) {
            set_verdict(r, R_ERROR, "error line %ld: out of memory", s->line);
            return false;
        }
    }

    return true;
}

static bool run_decrease(vrun *r, const step *s, uint32_t real, int *got)
{
    vdomain *d = bound(r, s->domain);
    uint64_t count = UINT64_C(1) << s->order;
    xen_pfn_t frame = 0;
    bool block = d != NULL && find_block(d, count, &frame);
    if (!block && d != NULL && owned_pages(d) >= count) {
        set_verdict(r, R_NOT_RUNNABLE, "not runnable: decrease order=%" PRId64 " (line %ld): the domain's pages form no aligned block of %" PRIu64,
                    s->order, s->line, count);
        return false;
    }

    if (!block && d != NULL) {
        /* Too few pages: give a frame the domain does not own, which Xen refuses as the vector's EINVAL. */
        frame = (d->next_gfn + count - 1) & ~(xen_pfn_t)(count - 1);
        while (owns(d, frame, 1)) {
            frame += count;
        }
    }

    xen_pfn_t extent[1] = {frame};
    errno = 0;
    int rc = xc_domain_decrease_reservation(r->R->xch, real, 1, (unsigned)s->order, extent);
    *got = rc == 1 ? 0 : rc == 0 ? GOT_REFUSED : rc < 0 ? outcome(rc) : EIO;
    if (*got == 0 && block && !remove_frames(d, frame, count)) {
        set_verdict(r, R_ERROR, "error line %ld: out of memory", s->line);
        return false;
    }

    return true;
}

static void run_step(vrun *r, const step *s)
{
    runner *R = r->R;
    uint32_t real = 0;
    if (s->has_domain && !real_domid(r, s->domain, &real, s->line)) {
        return;
    }

    int got = 0;
    xc_physinfo_t pi;
    xc_domaininfo_t info;
    bool query_ok = false, fine = true;
    if (R->verbose) {
        fprintf(stderr, "  line %ld: %s\n", s->line, s->source);
    }

    switch (s->kind) {
    case OP_CREATE: fine = run_create(r, s, &got); break;
    case OP_MAXMEM:
        errno = 0;
        got = outcome(xc_domain_setmaxmem(R->xch, real, max_kb(s->max)));
        break;
    case OP_CLAIM:
        errno = 0;
        got = outcome(xc_domain_claim_pages(R->xch, real, (unsigned long)s->pages));
        break;
    case OP_POPULATE: fine = run_populate(r, s, real, &got); break;
    case OP_DECREASE: fine = run_decrease(r, s, real, &got); break;
    case OP_PHYSINFO:
        got = physinfo(R, &pi);
        query_ok = got == 0;
        break;
    case OP_DOMAININFO:
        got = domaininfo(R, real, &info);
        query_ok = got == 0;
        break;
    case OP_KILL:
    case OP_DESTROY: fine = run_kill(r, s, real, &got); break;
    case OP_OTHER: set_verdict(r, R_NOT_RUNNABLE, "not runnable: %s", s->op); return;
    }

    if (!fine) {
        return;
    }

    vdomain *d = s->has_domain ? bound(r, s->domain) : NULL;
    if (s->kind == OP_DOMAININFO && got == ESRCH && d != NULL && d->status == D_KILLED && s->has_result && strcmp(s->result, "ok") == 0) {
        /* A killed domain that nobody holds is reaped: what the vector calls dead is gone here. Its counters went with
         * it (the host's free and outstanding pages, checked on the kill's line, showed its pages and claim back). */
        if (R->verbose) {
            fprintf(stderr, "  d%" PRId64 " was killed and has been reaped: taken as dead\n", s->domain);
        }

        return;
    }

    char buf[64];
    if (s->has_result && !result_matches(s, got)) {
        set_verdict(r, R_FAILED, "FAILED line %ld: expected %s, got %s%s", s->line, s->result, errno_name(got, buf, sizeof buf),
                    got == GOT_REFUSED ? (s->kind == OP_POPULATE ? " (populate_physmap stopped at the extent: libxenctrl's EBUSY)"
                                                                 : " (decrease_reservation stopped at the extent)")
                                       : "");
        return;
    }

    if (query_ok && s->kind == OP_PHYSINFO && !check_host_counters(r, s, s->counters, s->ncounters, &pi)) {
        return;
    }

    if (query_ok && s->kind == OP_DOMAININFO && !check_domain_counters(r, s, d, &info)) {
        return;
    }

    bool audit_readable = false;
    for (int i = 0; i < s->naudit; i++) {
        audit_readable = audit_readable || readable(r, &s->audit[i]) != HC_NONE;
    }

    if (audit_readable) {
        int e = physinfo(R, &pi);
        if (e != 0) {
            set_verdict(r, R_ERROR, "error line %ld: physinfo failed: %s", s->line, errno_name(e, buf, sizeof buf));
            return;
        }

        check_host_counters(r, s, s->audit, s->naudit, &pi);
    }
}

/* Destroys what the vector made and waits until the host is as it was. */
static void clean_up(vrun *r)
{
    runner *R = r->R;
    for (int64_t i = 1; i < r->next_vid; i++) {
        if (r->doms[i].status != D_DESTROYED) {
            xc_domain_destroy(R->xch, r->doms[i].real); /* ESRCH for a killed domain already reaped */
        }

        free(r->doms[i].owned);
    }

    if (r->filler_created) {
        if (r->filler != 0) {
            xc_domain_claim_pages(R->xch, r->filler_domid, 0);
        }

        xc_domain_destroy(R->xch, r->filler_domid);
    }

    xc_physinfo_t pi;
    if (!settle_free(r, r->free_pre, &pi) || (int64_t)pi.outstanding_pages > r->out_pre) {
        fprintf(stderr, "xen-vector-runner: %s: after clean-up the host has %" PRIu64 " free pages and %" PRIu64
                " claimed (%" PRId64 " and %" PRId64 " before): is the host quiet?\n",
                r->v->name, (uint64_t)pi.free_pages, (uint64_t)pi.outstanding_pages, r->free_pre, r->out_pre);
    }
}

static verdict run_vector(runner *R, const vector *v, char *message, size_t size)
{
    char why[256];
    if (not_runnable(v, why, sizeof why) != NULL) {
        snprintf(message, size, "not runnable: %s", why);
        return R_NOT_RUNNABLE;
    }

    vrun *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(message, size, "error: out of memory");
        return R_ERROR;
    }

    r->R = R;
    r->v = v;
    r->host_pages = v->nodes * v->pages;
    r->next_vid = 1;
    xc_physinfo_t pi;
    char buf[64];
    int e = physinfo(R, &pi);
    if (e != 0) {
        snprintf(message, size, "error: physinfo failed: %s", errno_name(e, buf, sizeof buf));
        free(r);
        return R_ERROR;
    }

    r->free_pre = (int64_t)pi.free_pages;
    r->out_pre = (int64_t)pi.outstanding_pages;
    if (r->host_pages > r->free_pre - r->out_pre) {
        snprintf(message, size, "not runnable: host pages=%" PRId64 " (this host has %" PRId64 " free pages not claimed)", r->host_pages,
                 r->free_pre - r->out_pre);
        free(r);
        return R_NOT_RUNNABLE;
    }

    r->use_filler = wants_filler(R, v);
    if (r->use_filler) {
        struct xen_domctl_createdomain config = domain_config(R);
        errno = 0;
        e = outcome(xc_domain_create(R->xch, &r->filler_domid, &config));
        if (e == 0) {
            r->filler_created = true;
            errno = 0;
            e = outcome(xc_domain_setmaxmem(R->xch, r->filler_domid, UINT64_MAX));
        }

        if (e != 0) {
            set_verdict(r, R_ERROR, "error: creating the filler domain failed: %s", errno_name(e, buf, sizeof buf));
        }
    }

    if (r->verdict == R_PASSED && physinfo(R, &pi) == 0) {
        r->free_base = (int64_t)pi.free_pages;
        r->out_base = (int64_t)pi.outstanding_pages;
        if (R->verbose) {
            fprintf(stderr, "%s: host %" PRIu64 " free pages, %" PRIu64 " claimed; filler %s\n", v->name, (uint64_t)pi.free_pages,
                    (uint64_t)pi.outstanding_pages, r->use_filler ? "on" : "off");
        }

        if (filler_set(r, filler_target(r), v->nsteps > 0 ? v->steps[0].line : 0)) {
            for (size_t i = 0; i < v->nsteps && r->verdict == R_PASSED && !interrupted; i++) {
                run_step(r, &v->steps[i]);
            }
        }
    }

    if (interrupted && r->verdict == R_PASSED) {
        set_verdict(r, R_ERROR, "error: interrupted");
    }

    clean_up(r);
    verdict result = r->verdict;
    snprintf(message, size, "%s", result == R_PASSED ? "passed" : r->message);
    free(r);
    return result;
}

/* ---- main --------------------------------------------------------------------------------------------------------- */

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* The .jsonl files a path names: itself, or a folder's, in name order. */
static char **list_vectors(const char *path, size_t *count)
{
    *count = 0;
    DIR *dir = opendir(path);
    if (dir == NULL) {
        char **one = malloc(sizeof *one);
        if (one != NULL && (one[0] = strdup(path)) != NULL) {
            *count = 1;
        }

        return one;
    }

    char **files = NULL;
    size_t allocated = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (!ends_with(entry->d_name, ".jsonl")) {
            continue;
        }

        if (*count == allocated) {
            allocated = allocated == 0 ? 64 : allocated * 2;
            char **grown = realloc(files, allocated * sizeof *grown);
            if (grown == NULL) {
                break;
            }

            files = grown;
        }

        size_t length = strlen(path) + strlen(entry->d_name) + 2;
        char *file = malloc(length);
        if (file == NULL) {
            break;
        }

        snprintf(file, length, "%s/%s", path, entry->d_name);
        files[(*count)++] = file;
    }

    closedir(dir);
    if (*count > 0) {
        qsort(files, *count, sizeof *files, by_name);
    }

    return files;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: xen-vector-runner [options] VECTOR.jsonl|FOLDER ...\n"
            "Runs conformance vectors through libxenctrl on this Xen host (root in dom0, a quiet host).\n"
            "  --filler auto|always|never  claim away all free memory but the vector's host: auto (the default) for\n"
            "                              vectors that expect ENOMEM, always, or never\n"
            "  --hvm                       create HVM (PVH, HAP) domains, not PV (x86; ARM's are always HVM)\n"
            "  --settle-ms N               wait up to N ms for a destroyed domain's memory to come back (default 2000)\n"
            "  -v, --verbose               say what each line does, on stderr\n"
            "  --version                   the runner and the libxenctrl interface it was built for\n"
            "Per vector: 'NAME: passed', 'NAME: FAILED line N: expected X, got Y', 'NAME: not runnable: OP', or\n"
            "'NAME: error ...' (the host got in the way). Exit 0 when nothing failed, 1 when a vector failed, 2 on an\n"
            "error or bad usage.\n");
}

int main(int argc, char **argv)
{
    runner R = {.filler = FILLER_AUTO, .settle_ms = 2000};
    int first = argc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--filler") == 0 && i + 1 < argc) {
            const char *m = argv[++i];
            if (strcmp(m, "auto") == 0) {
                R.filler = FILLER_AUTO;
            } else if (strcmp(m, "always") == 0) {
                R.filler = FILLER_ALWAYS;
            } else if (strcmp(m, "never") == 0) {
                R.filler = FILLER_NEVER;
            } else {
                usage(stderr);
                return 2;
            }
        } else if (strcmp(argv[i], "--hvm") == 0) {
            R.hvm = true;
        } else if (strcmp(argv[i], "--settle-ms") == 0 && i + 1 < argc) {
            char *end;
            R.settle_ms = strtol(argv[++i], &end, 10);
            if (*end != '\0' || R.settle_ms < 0 || R.settle_ms > 600000) {
                usage(stderr);
                return 2;
            }
        } else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            R.verbose = true;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("%s (XEN_DOMCTL_INTERFACE_VERSION 0x%x: getdomaininfo through %s)\n", XVR_VERSION, (unsigned)XEN_DOMCTL_INTERFACE_VERSION,
                   XVR_GETINFO_SINGLE ? "xc_domain_getinfo_single" : "xc_domain_getinfolist");
            return 0;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            usage(stderr);
            return 2;
        } else {
            first = i;
            break;
        }
    }

    if (first >= argc) {
        usage(stderr);
        return 2;
    }

    R.xch = xc_interface_open(NULL, NULL, 0);
    if (R.xch == NULL) {
        fprintf(stderr, "xen-vector-runner: xc_interface_open failed (%s): run it as root in dom0 of a Xen host\n", strerror(errno));
        return 2;
    }

    int version = xc_version(R.xch, XENVER_version, NULL);
    if (version < 0) {
        fprintf(stderr, "xen-vector-runner: xc_version failed (%s)\n", strerror(errno));
        xc_interface_close(R.xch);
        return 2;
    }

    R.major = version >> 16;
    R.minor = version & 0xFFFF;
    R.tot_less_extra = R.major > 4 || (R.major == 4 && R.minor >= 14);
    printf("# %s on Xen %d.%d: getdomaininfo through %s, its tot_pages %s; %s domains; filler %s\n", XVR_VERSION, R.major, R.minor,
           XVR_GETINFO_SINGLE ? "xc_domain_getinfo_single" : "xc_domain_getinfolist",
           R.tot_less_extra ? "compared with tot - extra (4.14 and later)" : "compared with tot", R.hvm ? "HVM" : "PV",
           R.filler == FILLER_AUTO ? "for vectors that expect ENOMEM" : R.filler == FILLER_ALWAYS ? "always" : "never");
    fflush(stdout);

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGHUP, &action, NULL);

    size_t counts[4] = {0};
    for (int i = first; i < argc && !interrupted; i++) {
        size_t n;
        char **files = list_vectors(argv[i], &n);
        if (n == 0) {
            printf("%s: error: no .jsonl vector there\n", argv[i]);
            counts[R_ERROR]++;
        }

        for (size_t k = 0; k < n; k++) {
            vector v;
            char message[1024], reason[512];
            verdict result;
            if (interrupted) {
                free(files[k]);
                continue;
            }

            if (!load_vector(files[k], &v, reason, sizeof reason)) {
                printf("%s: error: %s\n", files[k], reason);
                result = R_ERROR;
            } else {
                result = run_vector(&R, &v, message, sizeof message);
                printf("%s: %s\n", v.name, message);
            }

            fflush(stdout);
            counts[result]++;
            free_vector(&v);
            free(files[k]);
        }

        free(files);
    }

    xc_interface_close(R.xch);
    printf("xen-vector-runner: %zu passed, %zu failed, %zu not runnable, %zu errors%s\n", counts[R_PASSED], counts[R_FAILED],
           counts[R_NOT_RUNNABLE], counts[R_ERROR], interrupted ? " (interrupted)" : "");
    return counts[R_FAILED] > 0 ? 1 : counts[R_ERROR] > 0 || interrupted ? 2 : 0;
}

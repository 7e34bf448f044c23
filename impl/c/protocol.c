/*
 * claimref's stdio adapter: the JSON-lines protocol of docs/protocol.md. One request a line on stdin, one response a
 * line on stdout. Control requests (hello, reset, audit) wait until nothing is in flight; calls go to a worker thread
 * per client (client % CR_WORKERS), so that different clients' calls really run at once and one client's calls run in
 * the order they came. Answers are written whole, one line each, under a mutex, and flushed.
 *
 * Reading is strict: a line that is not one of the protocol's objects (bad JSON, an unknown or missing field, a
 * mistyped value, a number with a fraction or beyond 64 bits, a line over 64 KiB) ends the session: the reason goes
 * to stderr and the program exits 1, after the calls in flight have answered. The JSON reader is impl/json's, shared
 * with impl/xen-runner.
 */
#define _POSIX_C_SOURCE 200809L

#include "claimref.h"
#include "../json/json.h"

#include <errno.h>
#include <unistd.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CR_VERSION "claimref 1.0"
#define CR_MAX_LINE (64 * 1024)
#define CR_MAX_DEPTH 8
#define CR_WORKERS 32
/* A limit on everything: entries of one claim set the reader accepts (the implementation answers E2BIG above 65). */
#define CR_MAX_READ_ENTRIES 1024

/* ---- errors ----------------------------------------------------------------------------------------------------- */

static long line_number;

static void quiesce(void);

static _Noreturn void protocol_error(const char *format, ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    quiesce();
    fprintf(stderr, "claimref: line %ld: %s\n", line_number, message);
    fflush(stderr);
    exit(1);
}

/* ---- requests --------------------------------------------------------------------------------------------------- */

typedef enum {
    OP_HELLO, OP_RESET, OP_AUDIT, OP_CREATE, OP_MAXMEM, OP_NODE_AFFINITY, OP_UNPAUSE, OP_CLAIM, OP_CLAIMSET, OP_POPULATE, OP_EXTRA, OP_DECREASE,
    OP_SHARE, OP_OFFLINE, OP_XEN_ALLOC, OP_XEN_FREE, OP_TMEM_PUT, OP_TMEM_FLUSH, OP_TMEM_FLUSH_ALL, OP_KILL,
    OP_KILL_STEP, OP_DESTROY, OP_PHYSINFO, OP_DOMAININFO, OP_COUNT
} op_kind;

static const char *const op_names[OP_COUNT] = {
    "hello", "reset", "audit", "create", "maxmem", "node-affinity", "unpause", "claim", "claimset", "populate", "extra", "decrease", "share",
    "offline", "xen-alloc", "xen-free", "tmem-put", "tmem-flush", "tmem-flush-all", "kill", "kill-step", "destroy",
    "physinfo", "domaininfo",
};

/* The fields a request may have. */
typedef enum {
    F_CLIENT, F_ID, F_OP, F_PROTOCOL, F_PROFILE, F_NODES, F_PAGES, F_LLC, F_YIELD, F_AS, F_MAX, F_DOMAIN, F_SOFT,
    F_ENTRIES, F_ORDER, F_NODE, F_EXACT, F_PREEMPTED, F_AFFINITY, F_POOL, F_COUNT
} field;

static const char *const field_names[F_COUNT] = {
    "client", "id", "op", "protocol", "profile", "nodes", "pages", "llc", "yield", "as", "max", "domain", "soft",
    "entries", "order", "node", "exact", "preempted", "affinity", "pool",
};

#define B(f) (1u << (f))
#define CALL B(F_AS)

/* Per op: the fields it must have (besides client, id, op) and the ones it may have. */
static const struct {
    unsigned required, optional;
} op_fields[OP_COUNT] = {
    [OP_HELLO] = {B(F_PROTOCOL) | B(F_PROFILE) | B(F_NODES) | B(F_PAGES), B(F_LLC) | B(F_YIELD)},
    [OP_RESET] = {B(F_NODES) | B(F_PAGES), B(F_LLC)},
    [OP_AUDIT] = {0, 0},
    [OP_CREATE] = {B(F_MAX), CALL},
    [OP_MAXMEM] = {B(F_DOMAIN) | B(F_MAX), CALL},
    [OP_NODE_AFFINITY] = {B(F_DOMAIN) | B(F_AFFINITY), CALL},
    [OP_UNPAUSE] = {B(F_DOMAIN), CALL},
    [OP_CLAIM] = {B(F_DOMAIN) | B(F_PAGES), CALL | B(F_SOFT)},
    [OP_CLAIMSET] = {B(F_DOMAIN) | B(F_ENTRIES), CALL},
    [OP_POPULATE] = {B(F_DOMAIN) | B(F_ORDER), CALL | B(F_NODE) | B(F_EXACT) | B(F_PREEMPTED)},
    [OP_EXTRA] = {B(F_DOMAIN) | B(F_ORDER), CALL | B(F_NODE) | B(F_EXACT)},
    [OP_DECREASE] = {B(F_DOMAIN) | B(F_ORDER), CALL},
    [OP_SHARE] = {B(F_DOMAIN), CALL},
    [OP_OFFLINE] = {B(F_NODE), CALL},
    [OP_XEN_ALLOC] = {B(F_ORDER), CALL | B(F_NODE) | B(F_EXACT)},
    [OP_XEN_FREE] = {B(F_PAGES), CALL},
    [OP_TMEM_PUT] = {B(F_DOMAIN) | B(F_POOL), CALL},
    [OP_TMEM_FLUSH] = {B(F_DOMAIN) | B(F_POOL), CALL},
    [OP_TMEM_FLUSH_ALL] = {B(F_PAGES), CALL},
    [OP_KILL] = {B(F_DOMAIN), CALL},
    [OP_KILL_STEP] = {B(F_DOMAIN), CALL},
    [OP_DESTROY] = {B(F_DOMAIN), CALL},
    [OP_PHYSINFO] = {0, CALL},
    [OP_DOMAININFO] = {B(F_DOMAIN), CALL},
};

typedef struct request {
    int32_t client;
    int64_t id;
    op_kind op;
    /* hello, reset */
    cr_profile profile;
    bool profile_known;
    int nodes;
    int64_t host_pages;
    bool llc, yield;
    /* calls */
    cr_caller as;
    int64_t max, pages;
    int32_t domain, order, node;
    bool has_node, exact, soft;
    uint64_t affinity;
    cr_claim_entry *entries;
    size_t entry_count;
    struct request *next; /* a worker's queue */
    cr_host *host;
} request;

/* The value as text for messages, at most 60 characters. */
static const char *shown(const json_value *v, char *buffer, size_t size)
{
    switch (v->kind) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return v->boolean ? "true" : "false";
    case JSON_INT: snprintf(buffer, size, "%" PRId64, v->integer); return buffer;
    case JSON_NUMBER: snprintf(buffer, size, "%.*s", (int)(v->length > 60 ? 60 : v->length), v->string); return buffer;
    case JSON_STRING: snprintf(buffer, size, "\"%.*s\"", (int)(v->length > 60 ? 60 : v->length), v->string); return buffer;
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
    }

    return "?";
}

static _Noreturn void mistyped(const char *name, const char *wanted, const json_value *v)
{
    char buffer[80];
    protocol_error("request: \"%s\" must be %s, not %s", name, wanted, shown(v, buffer, sizeof buffer));
}

static int64_t get_int(const char *name, const json_value *v, int64_t min, int64_t max)
{
    if (v->kind != JSON_INT) {
        mistyped(name, "an integer of 64 bits", v);
    }

    if (v->integer < min || v->integer > max) {
        protocol_error("request: \"%s\" is %" PRId64 ", outside %" PRId64 "..%" PRId64, name, v->integer, min, max);
    }

    return v->integer;
}

static bool get_bool(const char *name, const json_value *v)
{
    if (v->kind != JSON_BOOL) {
        mistyped(name, "true or false", v);
    }

    return v->boolean;
}

static bool is_string(const json_value *v, const char *text)
{
    return v->kind == JSON_STRING && v->length == strlen(text) && memcmp(v->string, text, v->length) == 0;
}

static int find_field(const json_member *m)
{
    for (int f = 0; f < F_COUNT; f++) {
        if (m->key_length == strlen(field_names[f]) && memcmp(m->key, field_names[f], m->key_length) == 0) {
            return f;
        }
    }

    return -1;
}

/* "affinity": "all" (every one of the 64 bits), or an array of node numbers 0..63. */
static uint64_t read_affinity(const json_value *v)
{
    if (is_string(v, "all")) {
        return UINT64_MAX;
    }

    if (v->kind != JSON_ARRAY || v->count > 64) {
        mistyped("affinity", "an array of at most 64 node numbers, or \"all\"", v);
    }

    uint64_t nodes = 0;
    for (const json_member *e = v->first; e != NULL; e = e->next) {
        if (e->value->kind != JSON_INT || e->value->integer < 0 || e->value->integer > 63) {
            mistyped("affinity", "node numbers 0..63", e->value);
        }

        nodes |= UINT64_C(1) << e->value->integer;
    }

    return nodes;
}

static void read_entries(request *r, const json_value *v)
{
    if (v->kind != JSON_ARRAY) {
        mistyped("entries", "an array", v);
    }

    if (v->count > CR_MAX_READ_ENTRIES) {
        protocol_error("request: more than %d claim entries", CR_MAX_READ_ENTRIES);
    }

    r->entries = calloc(v->count + 1, sizeof *r->entries);
    if (r->entries == NULL) {
        protocol_error("out of memory");
    }

    r->entry_count = 0;
    for (const json_member *e = v->first; e != NULL; e = e->next) {
        const json_value *o = e->value;
        if (o->kind != JSON_OBJECT) {
            mistyped("entries[]", "an object {\"pages\": N, \"node\": K | \"global\" | \"legacy\"}", o);
        }

        const json_value *pages = NULL, *node = NULL;
        for (const json_member *m = o->first; m != NULL; m = m->next) {
            const json_value **slot = m->key_length == 5 && memcmp(m->key, "pages", 5) == 0 ? &pages
                                  : m->key_length == 4 && memcmp(m->key, "node", 4) == 0 ? &node
                                                                                       : NULL;
            if (slot == NULL) {
                protocol_error("request entry: unknown field \"%.*s\"", (int)(m->key_length > 60 ? 60 : m->key_length), m->key);
            }

            if (*slot != NULL) {
                protocol_error("request entry: \"%s\" given twice", slot == &pages ? "pages" : "node");
            }

            *slot = m->value;
        }

        if (pages == NULL || node == NULL) {
            protocol_error("request entry: missing \"%s\"", pages == NULL ? "pages" : "node");
        }

        cr_claim_entry *entry = &r->entries[r->entry_count++];
        entry->pages = get_int("entries[].pages", pages, INT64_MIN, INT64_MAX);
        if (is_string(node, "global")) {
            entry->target = CR_TARGET_GLOBAL;
        } else if (is_string(node, "legacy")) {
            entry->target = CR_TARGET_LEGACY;
        } else if (node->kind == JSON_INT && node->integer >= INT32_MIN && node->integer <= INT32_MAX) {
            entry->target = CR_TARGET_NODE;
            entry->node = node->integer;
        } else {
            mistyped("entries[].node", "a node number (32 bits), \"global\" or \"legacy\"", node);
        }
    }
}

/* One line to a request, strictly; any problem ends the session. */
static request *read_request(const char *line, size_t length)
{
    /* The reader refuses what is not JSON; fractions, numbers beyond 64 bits, repeated fields and \u0000 are read, and
     * refused below with the field they are in. */
    const json_options options = {.max_depth = CR_MAX_DEPTH, .any_number = true, .repeated_keys = true, .nul_in_strings = true};
    json_arena arena = {0};
    char error[256];
    const json_value *root = json_read(line, length, &options, &arena, error, sizeof error);
    if (root == NULL) {
        /* The reader says "not JSON: WHAT at byte N"; claimref has always said "not JSON (WHAT at byte N)". */
        const char *what = strncmp(error, "not JSON: ", 10) == 0 ? error + 10 : error;
        protocol_error("request: not JSON (%s)", what);
    }

    if (root->kind != JSON_OBJECT) {
        protocol_error("request: not a JSON object");
    }

    const json_value *fields[F_COUNT] = {0};
    for (const json_member *m = root->first; m != NULL; m = m->next) {
        int f = find_field(m);
        if (f < 0) {
            protocol_error("request: unknown field \"%.*s\"", (int)(m->key_length > 60 ? 60 : m->key_length), m->key);
        }

        if (fields[f] != NULL) {
            protocol_error("request: \"%s\" given twice", field_names[f]);
        }

        fields[f] = m->value;
    }

    for (int f = F_CLIENT; f <= F_OP; f++) {
        if (fields[f] == NULL) {
            protocol_error("request: missing \"%s\"", field_names[f]);
        }
    }

    request *r = calloc(1, sizeof *r);
    if (r == NULL) {
        protocol_error("out of memory");
    }

    r->client = (int32_t)get_int("client", fields[F_CLIENT], 0, 1 << 20);
    r->id = get_int("id", fields[F_ID], INT64_MIN, INT64_MAX);
    if (fields[F_OP]->kind != JSON_STRING) {
        mistyped("op", "a string", fields[F_OP]);
    }

    int op = -1;
    for (int o = 0; o < OP_COUNT; o++) {
        if (is_string(fields[F_OP], op_names[o])) {
            op = o;
        }
    }

    if (op < 0) {
        char buffer[80];
        protocol_error("request: unknown op %s", shown(fields[F_OP], buffer, sizeof buffer));
    }

    r->op = (op_kind)op;
    for (int f = F_PROTOCOL; f < F_COUNT; f++) {
        if ((op_fields[op].required & B(f)) && fields[f] == NULL) {
            protocol_error("request: %s without \"%s\"", op_names[op], field_names[f]);
        }

        if (fields[f] != NULL && !((op_fields[op].required | op_fields[op].optional) & B(f))) {
            protocol_error("request: unknown field \"%s\" for %s", field_names[f], op_names[op]);
        }
    }

    if (fields[F_PROTOCOL] != NULL && get_int("protocol", fields[F_PROTOCOL], 0, INT32_MAX) != 1) {
        protocol_error("request: protocol version %" PRId64 " is not 1, the one this side speaks", fields[F_PROTOCOL]->integer);
    }

    if (fields[F_PROFILE] != NULL) {
        if (fields[F_PROFILE]->kind != JSON_STRING) {
            mistyped("profile", "a string", fields[F_PROFILE]);
        }

        r->profile_known = true;
        if (fields[F_PROFILE]->length == 8 && strcasecmp(fields[F_PROFILE]->string, "xen-4.22") == 0) {
            r->profile = CR_PROFILE_XEN_4_22;
        } else if (fields[F_PROFILE]->length == 9 && strcasecmp(fields[F_PROFILE]->string, "reference") == 0) {
            r->profile = CR_PROFILE_REFERENCE;
        } else {
            r->profile_known = false;
        }
    }

    if (fields[F_NODES] != NULL) {
        r->nodes = (int)get_int("nodes", fields[F_NODES], 1, CR_MAX_NODES);
    }

    r->llc = fields[F_LLC] != NULL && get_bool("llc", fields[F_LLC]);
    r->yield = fields[F_YIELD] != NULL && get_bool("yield", fields[F_YIELD]);
    if (fields[F_PAGES] != NULL) {
        if (op == OP_HELLO || op == OP_RESET) {
            r->host_pages = get_int("pages", fields[F_PAGES], 0, CR_MAX_PAGES_PER_NODE);
        } else {
            r->pages = get_int("pages", fields[F_PAGES], INT64_MIN, INT64_MAX);
        }
    }

    r->as = (cr_caller){CR_CALLER_DOM0, 0};
    if (fields[F_AS] != NULL) {
        const json_value *as = fields[F_AS];
        if (is_string(as, "dom0")) {
            r->as.kind = CR_CALLER_DOM0;
        } else if (is_string(as, "xen")) {
            r->as.kind = CR_CALLER_XEN;
        } else if (as->kind == JSON_INT && as->integer >= 0 && as->integer < CR_DOMID_LIMIT) {
            r->as = (cr_caller){CR_CALLER_GUEST, (int32_t)as->integer};
        } else {
            char buffer[80];
            protocol_error("request: \"as\" is \"dom0\", \"xen\" or a domid 0..%d, not %s", CR_DOMID_LIMIT - 1,
                           shown(as, buffer, sizeof buffer));
        }
    }

    if (fields[F_MAX] != NULL) {
        r->max = get_int("max", fields[F_MAX], INT64_MIN, INT64_MAX);
    }

    if (fields[F_DOMAIN] != NULL) {
        r->domain = (int32_t)get_int("domain", fields[F_DOMAIN], INT32_MIN, INT32_MAX);
    }

    r->soft = fields[F_SOFT] != NULL && get_bool("soft", fields[F_SOFT]);
    if (fields[F_ORDER] != NULL) {
        r->order = (int32_t)get_int("order", fields[F_ORDER], INT32_MIN, INT32_MAX);
    }

    if (fields[F_NODE] != NULL) {
        r->has_node = true;
        r->node = (int32_t)get_int("node", fields[F_NODE], INT32_MIN, INT32_MAX);
    }

    if (fields[F_AFFINITY] != NULL) {
        r->affinity = read_affinity(fields[F_AFFINITY]);
    }

    r->exact = fields[F_EXACT] != NULL && get_bool("exact", fields[F_EXACT]);
    /* 4.22's preempted scrub: read so that a mistyped value is refused; this implementation has no stash (README). */
    (void)(fields[F_PREEMPTED] != NULL && get_bool("preempted", fields[F_PREEMPTED]));
    if (fields[F_EXACT] != NULL && fields[F_NODE] == NULL) {
        protocol_error("request: \"exact\" needs a \"node\"");
    }

    if (fields[F_POOL] != NULL && !is_string(fields[F_POOL], "ephemeral") && !is_string(fields[F_POOL], "persistent")) {
        char buffer[80];
        protocol_error("request: \"pool\" is \"ephemeral\" or \"persistent\", not %s", shown(fields[F_POOL], buffer, sizeof buffer));
    }

    if (fields[F_ENTRIES] != NULL) {
        read_entries(r, fields[F_ENTRIES]);
    }

    json_free(&arena);
    return r;
}

static void free_request(request *r)
{
    if (r != NULL) {
        free(r->entries);
        free(r);
    }
}

/* ---- responses -------------------------------------------------------------------------------------------------- */

static pthread_mutex_t output_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    char text[16384];
    size_t used;
} line_buffer;

static void append(line_buffer *b, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(b->text + b->used, sizeof b->text - b->used, format, args);
    va_end(args);
    if (n > 0) {
        b->used += (size_t)n < sizeof b->text - b->used ? (size_t)n : sizeof b->text - b->used - 1;
    }
}

static void begin_response(line_buffer *b, const request *r, cr_errno rc, int64_t value)
{
    b->used = 0;
    append(b, "{\"client\":%" PRId32 ",\"id\":%" PRId64 ",\"result\":\"%s\",\"value\":%" PRId64, r->client, r->id,
           cr_errno_name(rc), rc == CR_OK ? value : 0);
}

static void append_physinfo(line_buffer *b, const cr_physinfo *info, int nodes)
{
    append(b, "\"free\":%" PRId64 ",\"outstanding\":%" PRId64, info->free, info->outstanding);
    for (int n = 0; n < nodes; n++) {
        append(b, ",\"free@node%d\":%" PRId64 ",\"outstanding@node%d\":%" PRId64, n, info->node_free[n], n,
               info->node_outstanding[n]);
    }
}

/* Writes the line whole, under the output mutex, and flushes it. */
static void send_response(line_buffer *b)
{
    append(b, "}\n");
    (void)pthread_mutex_lock(&output_lock);
    size_t written = fwrite(b->text, 1, b->used, stdout);
    int flushed = fflush(stdout);
    int error = errno;
    (void)pthread_mutex_unlock(&output_lock);
    if (written != b->used || flushed != 0) {
        /* The checker is gone: nobody reads the answers any more. */
        _exit(error == EPIPE ? 0 : 1);
    }
}

static const char *state_name(cr_state s)
{
    switch (s) {
    case CR_ALIVE: return "alive";
    case CR_DYING: return "dying";
    case CR_DEAD: return "dead";
    case CR_DESTROYED: return "destroyed";
    }

    return "?";
}

/* One call on the host and its answer. */
static void run_call(request *r)
{
    cr_host *h = r->host;
    line_buffer *b = malloc(sizeof *b);
    if (b == NULL) {
        fprintf(stderr, "claimref: out of memory\n");
        _exit(1);
    }

    cr_result result = {CR_OK, 0};
    switch (r->op) {
    case OP_CREATE: result = cr_create(h, r->as, r->max); break;
    case OP_MAXMEM: result = cr_maxmem(h, r->as, r->domain, r->max); break;
    case OP_NODE_AFFINITY: result = cr_node_affinity(h, r->as, r->domain, r->affinity); break;
    case OP_UNPAUSE: result = cr_unpause(h, r->as, r->domain); break;
    case OP_CLAIM: result = cr_claim(h, r->as, r->domain, r->pages, r->soft); break;
    case OP_CLAIMSET: result = cr_claimset(h, r->as, r->domain, r->entries, r->entry_count); break;
    case OP_POPULATE: result = cr_alloc(h, r->as, r->domain, r->order, r->has_node, r->node, r->exact, false); break;
    case OP_EXTRA: result = cr_alloc(h, r->as, r->domain, r->order, r->has_node, r->node, r->exact, true); break;
    case OP_DECREASE: result = cr_decrease(h, r->as, r->domain, r->order); break;
    case OP_SHARE: result = cr_share(h, r->as, r->domain); break;
    case OP_OFFLINE: result = cr_offline(h, r->as, r->node); break;
    case OP_XEN_ALLOC: result = cr_xen_alloc(h, r->as, r->order, r->has_node, r->node, r->exact); break;
    case OP_XEN_FREE: result = cr_xen_free(h, r->as, r->pages); break;
    case OP_TMEM_PUT:
    case OP_TMEM_FLUSH:
    case OP_TMEM_FLUSH_ALL: result = cr_tmem(h, r->as); break;
    case OP_KILL: result = cr_kill(h, r->as, r->domain); break;
    case OP_KILL_STEP: result = cr_kill_step(h, r->as, r->domain); break;
    case OP_DESTROY: result = cr_destroy(h, r->as, r->domain); break;
    case OP_PHYSINFO: {
        cr_physinfo info;
        cr_physinfo_read(h, &info);
        begin_response(b, r, CR_OK, 0);
        append(b, ",\"counters\":{");
        append_physinfo(b, &info, h->nodes);
        append(b, "}");
        send_response(b);
        free(b);
        return;
    }
    case OP_DOMAININFO: {
        cr_domaininfo info;
        cr_errno rc = cr_domaininfo_read(h, r->domain, &info);
        begin_response(b, r, rc, 0);
        if (rc == CR_OK) {
            append(b, ",\"counters\":{\"state\":\"%s\",\"tot\":%" PRId64 ",\"extra\":%" PRId64 ",\"max\":%" PRId64
                      ",\"claim\":%" PRId64,
                   state_name(info.state), info.tot, info.extra, info.max, info.claim);
            for (int n = 0; n < h->nodes; n++) {
                append(b, ",\"claim@node%d\":%" PRId64, n, info.node_claims[n]);
            }

            append(b, "}");
        }

        send_response(b);
        free(b);
        return;
    }
    case OP_HELLO:
    case OP_RESET:
    case OP_AUDIT:
    case OP_COUNT: break;
    }

    begin_response(b, r, result.rc, result.value);
    send_response(b);
    free(b);
}

/* ---- workers ---------------------------------------------------------------------------------------------------- */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    request *head, *tail;
    bool started;
    pthread_t thread;
} worker;

static worker workers[CR_WORKERS];
static pthread_mutex_t flight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flight_done = PTHREAD_COND_INITIALIZER;
static long in_flight;

static void *work(void *argument)
{
    worker *w = argument;
    for (;;) {
        (void)pthread_mutex_lock(&w->lock);
        while (w->head == NULL) {
            (void)pthread_cond_wait(&w->ready, &w->lock);
        }

        request *r = w->head;
        w->head = r->next;
        if (w->head == NULL) {
            w->tail = NULL;
        }

        (void)pthread_mutex_unlock(&w->lock);
        run_call(r);
        free_request(r);
        cr_call_end();
        (void)pthread_mutex_lock(&flight_lock);
        if (--in_flight == 0) {
            (void)pthread_cond_broadcast(&flight_done);
        }

        (void)pthread_mutex_unlock(&flight_lock);
    }

    return NULL;
}

static void dispatch(request *r)
{
    worker *w = &workers[r->client % CR_WORKERS];
    (void)pthread_mutex_lock(&flight_lock);
    in_flight++;
    (void)pthread_mutex_unlock(&flight_lock);
    cr_call_begin();
    (void)pthread_mutex_lock(&w->lock);
    if (!w->started) {
        if (pthread_create(&w->thread, NULL, work, w) != 0) {
            (void)pthread_mutex_unlock(&w->lock);
            fprintf(stderr, "claimref: cannot start a worker thread\n");
            _exit(1);
        }

        pthread_detach(w->thread);
        w->started = true;
    }

    r->next = NULL;
    if (w->tail != NULL) {
        w->tail->next = r;
    } else {
        w->head = r;
    }

    w->tail = r;
    (void)pthread_cond_signal(&w->ready);
    (void)pthread_mutex_unlock(&w->lock);
}

/* Waits until every call in flight has answered. */
static void quiesce(void)
{
    (void)pthread_mutex_lock(&flight_lock);
    while (in_flight > 0) {
        (void)pthread_cond_wait(&flight_done, &flight_lock);
    }

    (void)pthread_mutex_unlock(&flight_lock);
}

/* ---- the session ------------------------------------------------------------------------------------------------ */

static cr_host *host;
static cr_profile profile;

static cr_host *new_host(cr_profile chosen, const request *r)
{
    cr_host *h = cr_host_new(chosen, r->nodes, r->host_pages, r->llc);
    if (h == NULL) {
        protocol_error("out of memory for a host");
    }

    return h;
}

static void control(request *r)
{
    line_buffer *b = malloc(sizeof *b);
    if (b == NULL) {
        protocol_error("out of memory");
    }

    if (r->op == OP_HELLO) {
        if (!r->profile_known) {
            begin_response(b, r, CR_EINVAL, 0);
        } else {
            cr_host_free(host);
            profile = r->profile;
            host = new_host(profile, r);
            cr_set_yield(r->yield);
            begin_response(b, r, CR_OK, 0);
            append(b, ",\"implementation\":\"%s%s%s%s\"", CR_VERSION, CR_BROKEN_ID ? " (broken: " : "", CR_BROKEN_NAME,
                   CR_BROKEN_ID ? ")" : "");
        }
    } else if (r->op == OP_RESET) {
        if (host == NULL) {
            protocol_error("request %" PRId32 "/%" PRId64 ": reset before hello", r->client, r->id);
        }

        cr_host_free(host);
        host = new_host(profile, r);
        begin_response(b, r, CR_OK, 0);
    } else {
        if (host == NULL) {
            protocol_error("request %" PRId32 "/%" PRId64 ": audit before hello", r->client, r->id);
        }

        cr_audit audit;
        char problem[256];
        if (!cr_audit_read(host, &audit, problem, sizeof problem)) {
            fprintf(stderr, "claimref: audit: %s\n", problem);
            fflush(stderr);
        }

        begin_response(b, r, CR_OK, 0);
        append(b, ",\"counters\":{");
        append_physinfo(b, &audit.phys, host->nodes);
        append(b, ",\"offlined\":%" PRId64 ",\"shared\":%" PRId64 ",\"xenheap\":%" PRId64 "}", audit.offlined,
               audit.shared, audit.xenheap);
    }

    send_response(b);
    free(b);
}

/* The next line of stdin without its end (and a '\r' before it); false at the end of the input. */
static bool read_line(char *line, size_t *length)
{
    size_t n = 0;
    int c;
    while ((c = getchar()) != EOF && c != '\n') {
        if (n >= CR_MAX_LINE) {
            line_number++;
            protocol_error("request: a line of more than %d bytes", CR_MAX_LINE);
        }

        line[n++] = (char)c;
    }

    if (c == EOF && n == 0) {
        return false;
    }

    line_number++;
    if (n > 0 && line[n - 1] == '\r') {
        n--;
    }

    *length = n;
    return true;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("%s%s%s%s: Xen memory claims (profiles xen-4.22, reference) speaking the JSON-lines protocol of "
               "ClaimVerified's docs/protocol.md on stdin/stdout\n",
               CR_VERSION, CR_BROKEN_ID ? " (broken: " : "", CR_BROKEN_NAME, CR_BROKEN_ID ? ")" : "");
        return 0;
    }

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stdio") != 0) {
            fprintf(stderr, "claimref: unknown argument '%s' (it speaks the protocol on stdin/stdout; --stdio is accepted)\n", argv[i]);
            return 2;
        }
    }

    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < CR_WORKERS; i++) {
        pthread_mutex_init(&workers[i].lock, NULL);
        pthread_cond_init(&workers[i].ready, NULL);
    }

    static char line[CR_MAX_LINE + 1];
    size_t length;
    while (read_line(line, &length)) {
        if (length == 0) {
            continue;
        }

        if (memchr(line, '\0', length) != NULL) {
            protocol_error("request: a NUL byte in the line");
        }

        request *r = read_request(line, length);
        if (r->op == OP_HELLO || r->op == OP_RESET || r->op == OP_AUDIT) {
            quiesce();
            control(r);
            free_request(r);
        } else if (host == NULL) {
            protocol_error("request %" PRId32 "/%" PRId64 ": a call before hello", r->client, r->id);
        } else {
            r->host = host;
            dispatch(r);
        }
    }

    quiesce();
    return 0;
}

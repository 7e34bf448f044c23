/* A small strict JSON reader: see json.h. Used by impl/xen-runner and impl/c; strict C11. */
#include "json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 16
#define JSON_BLOCK_SIZE 4096

struct json_block {
    json_block *next;
    size_t used, size;
    _Alignas(max_align_t) unsigned char data[];
};

typedef struct {
    const char *s;
    size_t len, pos;
    json_arena *arena;
    json_options options;
    char *error;
    size_t error_size;
    jmp_buf fail;
} jparser;

static _Noreturn void fail(jparser *p, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char what[160];
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    snprintf(p->error, p->error_size, "not JSON: %s at byte %zu", what, p->pos + 1);
    longjmp(p->fail, 1);
}

static void *jalloc(jparser *p, size_t size)
{
    size = (size + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
    json_block *b = p->arena->blocks;
    if (b == NULL || b->size - b->used < size) {
        size_t capacity = size > JSON_BLOCK_SIZE ? size : JSON_BLOCK_SIZE;
        b = malloc(sizeof *b + capacity);
        if (b == NULL) {
            fail(p, "out of memory");
        }

        b->next = p->arena->blocks;
        b->used = 0;
        b->size = capacity;
        p->arena->blocks = b;
    }

    void *block = b->data + b->used;
    b->used += size;
    memset(block, 0, size);
    return block;
}

void json_free(json_arena *arena)
{
    while (arena->blocks != NULL) {
        json_block *next = arena->blocks->next;
        free(arena->blocks);
        arena->blocks = next;
    }
}

static void skip_space(jparser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\r' || p->s[p->pos] == '\n')) {
        p->pos++;
    }
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static unsigned hex4(jparser *p)
{
    if (p->len - p->pos < 4) {
        fail(p, "a short \\u escape");
    }

    unsigned c = 0;
    for (int i = 0; i < 4; i++) {
        char h = p->s[p->pos++];
        c <<= 4;
        if (is_digit(h)) {
            c |= (unsigned)(h - '0');
        } else if (h >= 'a' && h <= 'f') {
            c |= (unsigned)(h - 'a' + 10);
        } else if (h >= 'A' && h <= 'F') {
            c |= (unsigned)(h - 'A' + 10);
        } else {
            fail(p, "a bad \\u escape");
        }
    }

    return c;
}

static void put_utf8(char *out, size_t *n, unsigned c)
{
    if (c < 0x80) {
        out[(*n)++] = (char)c;
    } else if (c < 0x800) {
        out[(*n)++] = (char)(0xC0 | (c >> 6));
        out[(*n)++] = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out[(*n)++] = (char)(0xE0 | (c >> 12));
        out[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (c & 0x3F));
    } else {
        out[(*n)++] = (char)(0xF0 | (c >> 18));
        out[(*n)++] = (char)(0x80 | ((c >> 12) & 0x3F));
        out[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (c & 0x3F));
    }
}

/* A string after its opening quote; the decoded text (NUL-terminated, and its length). */
static const char *parse_string(jparser *p, size_t *length)
{
    /* The decoded text is never longer than the encoded one (\uXXXX is 6 bytes for at most 4): find its end first. */
    size_t end = p->pos;
    while (end < p->len && p->s[end] != '"') {
        end += p->s[end] == '\\' ? 2 : 1;
    }

    char *out = jalloc(p, (end < p->len ? end : p->len) - p->pos + 1);
    size_t n = 0;
    for (;;) {
        if (p->pos >= p->len) {
            fail(p, "an unterminated string");
        }

        unsigned char c = (unsigned char)p->s[p->pos++];
        if (c == '"') {
            break;
        }

        if (c < 0x20) {
            fail(p, "a control character in a string");
        }

        if (c != '\\') {
            out[n++] = (char)c;
            continue;
        }

        if (p->pos >= p->len) {
            fail(p, "an unterminated escape");
        }

        char e = p->s[p->pos++];
        switch (e) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            unsigned c1 = hex4(p);
            if (c1 == 0 && !p->options.nul_in_strings) {
                fail(p, "a NUL in a string");
            }

            if (c1 >= 0xD800 && c1 <= 0xDBFF && p->len - p->pos >= 6 && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
                size_t back = p->pos;
                p->pos += 2;
                unsigned c2 = hex4(p);
                if (c2 >= 0xDC00 && c2 <= 0xDFFF) {
                    c1 = 0x10000 + ((c1 - 0xD800) << 10) + (c2 - 0xDC00);
                } else {
                    p->pos = back;
                }
            }

            put_utf8(out, &n, c1);
            break;
        }
        default: fail(p, "a bad escape");
        }
    }

    out[n] = '\0';
    *length = n;
    return out;
}

/* A number: an integer of 64 bits (JSON_INT); any other valid JSON number is refused, or with options.any_number a
 * JSON_NUMBER with its text. */
static json_value *parse_number(jparser *p)
{
    size_t start = p->pos;
    bool negative = p->s[p->pos] == '-';
    if (negative) {
        p->pos++;
    }

    if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
        fail(p, "a bad number");
    }

    if (p->s[p->pos] == '0' && p->pos + 1 < p->len && is_digit(p->s[p->pos + 1])) {
        fail(p, "a number with a leading zero");
    }

    uint64_t magnitude = 0, limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    bool integer = true;
    while (p->pos < p->len && is_digit(p->s[p->pos])) {
        uint64_t digit = (uint64_t)(p->s[p->pos] - '0');
        if (integer && magnitude > (limit - digit) / 10) {
            if (!p->options.any_number) {
                fail(p, "a number beyond 64 bits");
            }

            integer = false;
        }

        magnitude = magnitude * 10 + digit;
        p->pos++;
    }

    for (int part = 0; part < 2; part++) {
        /* a fraction, then an exponent */
        if (p->pos >= p->len || (part == 0 ? p->s[p->pos] != '.' : p->s[p->pos] != 'e' && p->s[p->pos] != 'E')) {
            continue;
        }

        if (!p->options.any_number) {
            fail(p, "a number that is not an integer");
        }

        integer = false;
        p->pos++;
        if (part == 1 && p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) {
            p->pos++;
        }

        if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
            fail(p, "a bad number");
        }

        while (p->pos < p->len && is_digit(p->s[p->pos])) {
            p->pos++;
        }
    }

    json_value *v = jalloc(p, sizeof *v);
    if (integer) {
        v->kind = JSON_INT;
        v->integer = !negative ? (int64_t)magnitude : magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
    } else {
        char *text = jalloc(p, p->pos - start + 1);
        memcpy(text, p->s + start, p->pos - start);
        v->kind = JSON_NUMBER;
        v->string = text;
        v->length = p->pos - start;
    }

    return v;
}

static bool literal(jparser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, word, n) == 0) {
        p->pos += n;
        return true;
    }

    return false;
}

static json_value *parse_value(jparser *p, int depth);

static json_value *parse_container(jparser *p, int depth, bool object)
{
    if (depth >= p->options.max_depth) {
        fail(p, "nesting deeper than %d", p->options.max_depth);
    }

    json_value *v = jalloc(p, sizeof *v);
    v->kind = object ? JSON_OBJECT : JSON_ARRAY;
    json_member **tail = &v->first;
    char close = object ? '}' : ']';
    skip_space(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return v;
    }

    for (;;) {
        json_member *m = jalloc(p, sizeof *m);
        if (object) {
            skip_space(p);
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail(p, "a member without a name");
            }

            p->pos++;
            m->key = parse_string(p, &m->key_length);
            for (json_member *seen = v->first; seen != NULL && !p->options.repeated_keys; seen = seen->next) {
                if (seen->key_length == m->key_length && memcmp(seen->key, m->key, m->key_length) == 0) {
                    fail(p, "the member \"%s\" twice", m->key);
                }
            }

            skip_space(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                fail(p, "a missing ':'");
            }

            p->pos++;
        }

        m->value = parse_value(p, depth + 1);
        *tail = m;
        tail = &m->next;
        v->count++;
        skip_space(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }

        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return v;
        }

        fail(p, object ? "a missing ',' or '}'" : "a missing ',' or ']'");
    }
}

static json_value *parse_value(jparser *p, int depth)
{
    skip_space(p);
    if (p->pos >= p->len) {
        fail(p, "the text ends where a value should be");
    }

    char c = p->s[p->pos];
    if (c == '{' || c == '[') {
        p->pos++;
        return parse_container(p, depth, c == '{');
    }

    if (c == '"') {
        p->pos++;
        json_value *v = jalloc(p, sizeof *v);
        v->kind = JSON_STRING;
        v->string = parse_string(p, &v->length);
        return v;
    }

    if (c == '-' || is_digit(c)) {
        return parse_number(p);
    }

    json_value *v = jalloc(p, sizeof *v);
    if (literal(p, "true")) {
        v->kind = JSON_BOOL;
        v->boolean = true;
    } else if (literal(p, "false")) {
        v->kind = JSON_BOOL;
    } else if (literal(p, "null")) {
        v->kind = JSON_NULL;
    } else {
        fail(p, "an unexpected character");
    }

    return v;
}

json_value *json_parse(const char *text, size_t length, json_arena *arena, char *error, size_t error_size)
{
    return json_read(text, length, NULL, arena, error, error_size);
}

json_value *json_read(const char *text, size_t length, const json_options *options, json_arena *arena, char *error,
                      size_t error_size)
{
    jparser p = {.s = text, .len = length, .arena = arena, .error = error, .error_size = error_size};
    if (options != NULL) {
        p.options = *options;
    }

    if (p.options.max_depth <= 0) {
        p.options.max_depth = JSON_MAX_DEPTH;
    }

    if (memchr(text, '\0', length) != NULL) {
        snprintf(error, error_size, "not JSON: a NUL byte");
        return NULL;
    }

    if (setjmp(p.fail) != 0) {
        return NULL; /* the reason is in error; the arena keeps what was allocated until json_free */
    }

    json_value *v = parse_value(&p, 0);
    skip_space(&p);
    if (p.pos != p.len) {
        fail(&p, "text after the value");
    }

    return v;
}

const json_value *json_get(const json_value *object, const char *key)
{
    if (object == NULL || object->kind != JSON_OBJECT) {
        return NULL;
    }

    size_t length = strlen(key);
    for (const json_member *m = object->first; m != NULL; m = m->next) {
        if (m->key_length == length && memcmp(m->key, key, length) == 0) {
            return m->value;
        }
    }

    return NULL;
}

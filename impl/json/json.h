/*
 * A small strict JSON reader for one line of text: a conformance vector's line (impl/xen-runner, the .jsonl files of
 * traces/conformance/<profile>) or a protocol request (impl/c's claimref, docs/protocol.md).
 * By default integers only (the vectors have no fractions): a number with a fraction or an exponent, or beyond 64 bits,
 * is refused, and so are a member named twice in one object, a \u0000 in a string and nesting deeper than 16; json_read's
 * options let a caller take those in and refuse them itself, with its own words. The tree lives in an arena that
 * json_free releases at once. Errors are returned, never printed or exited on. Strict C11.
 */
#ifndef IMPL_JSON_H
#define IMPL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* JSON_NUMBER: a valid JSON number that is not an integer of 64 bits (only with json_options.any_number). */
typedef enum { JSON_NULL, JSON_BOOL, JSON_INT, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind;

typedef struct json_value json_value;

/* An object's member (key set) or an array's element (key NULL), in document order. */
typedef struct json_member {
    const char *key;
    size_t key_length; /* bytes of key, decoded (a \u0000 inside only with json_options.nul_in_strings) */
    json_value *value;
    struct json_member *next;
} json_member;

struct json_value {
    json_kind kind;
    bool boolean;
    int64_t integer;
    const char *string; /* JSON_STRING: NUL-terminated, decoded; JSON_NUMBER: the number as written */
    size_t length;      /* bytes of string (a \u0000 inside only with json_options.nul_in_strings) */
    json_member *first;
    size_t count;
};

typedef struct json_block json_block;

typedef struct {
    json_block *blocks;
} json_arena;

/* What json_read takes in beyond json_parse's strict defaults (all zero: json_parse's rules). */
typedef struct {
    int max_depth;       /* arrays and objects nested at most this deep; 0 for the default, 16 */
    bool any_number;     /* a fraction, an exponent or an integer beyond 64 bits is a JSON_NUMBER, not refused */
    bool repeated_keys;  /* an object may name a member twice (json_get finds the first), not refused */
    bool nul_in_strings; /* a \u0000 in a string or a key is kept (see length, key_length), not refused */
} json_options;

/* One JSON value filling text[0..length) (spaces around it allowed), or NULL with the reason in error. */
json_value *json_parse(const char *text, size_t length, json_arena *arena, char *error, size_t error_size);

/* json_parse with options (NULL: json_parse's). */
json_value *json_read(const char *text, size_t length, const json_options *options, json_arena *arena, char *error,
                      size_t error_size);

/* Everything json_parse allocated in the arena. */
void json_free(json_arena *arena);

/* An object's member, or NULL. */
const json_value *json_get(const json_value *object, const char *key);

#endif

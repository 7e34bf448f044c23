/*
 * A small strict JSON reader for one line of a conformance vector (the .jsonl files of traces/conformance/<profile>).
 * Integers only (the vectors have no fractions): a number with a fraction or an exponent, or beyond 64 bits, is refused. The
 * tree lives in an arena that json_free releases at once. Errors are returned, never printed or exited on.
 */
#ifndef XVR_JSON_H
#define XVR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_INT, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind;

typedef struct json_value json_value;

/* An object's member (key set) or an array's element (key NULL), in document order. */
typedef struct json_member {
    const char *key;
    json_value *value;
    struct json_member *next;
} json_member;

struct json_value {
    json_kind kind;
    bool boolean;
    int64_t integer;
    const char *string; /* NUL-terminated, decoded (a NUL inside is refused) */
    json_member *first;
    size_t count;
};

typedef struct json_block json_block;

typedef struct {
    json_block *blocks;
} json_arena;

/* One JSON value filling text[0..length) (spaces around it allowed), or NULL with the reason in error. */
json_value *json_parse(const char *text, size_t length, json_arena *arena, char *error, size_t error_size);

/* Everything json_parse allocated in the arena. */
void json_free(json_arena *arena);

/* An object's member, or NULL. */
const json_value *json_get(const json_value *object, const char *key);

#endif

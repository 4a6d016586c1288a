/*
 * readers.h: the snapshot readers' entry points and what they share, for
 * read/ alone (snapshot.c picks a reader; the readers feed the builder).
 * Not installed.
 */
#ifndef RG_READERS_H
#define RG_READERS_H

#include "graph/graph_internal.h"

/* ---------------------------------------------------------------- readers */

/* Whitespace in a row that a line-based reader buffers before it refuses
 * the line: no writer pads so, and a compressed bomb of spaces would
 * otherwise be held in memory up to max_line_bytes. */
#define RG_MAX_BLANK_RUN (1u << 20)

/* The offset where a run of more than `limit` spaces, tabs or CRs begins in
 * p[0, len), or len when there is none. */
static inline size_t rg_blank_run_over(const char *p, size_t len, size_t limit)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            if (++run > limit)
                return i + 1 - run;
        } else {
            run = 0;
        }
    }
    return len;
}

/* Each reader turns a stream into builder calls. `max_line` bounds a line. */
RG_INTERNAL int rg_read_jsonl(rg_input *in, rg_builder *b, uint64_t max_line);
/* V8 .heapsnapshot (v8.c) and meliae dumps (meliae.c); rg_sniff_* say
 * whether the first bytes of a stream look like that format. */
RG_INTERNAL int rg_read_v8(rg_input *in, rg_builder *b, uint64_t max_line);
RG_INTERNAL int rg_read_meliae(rg_input *in, rg_builder *b, uint64_t max_line);
RG_INTERNAL int rg_sniff_v8(const void *head, size_t n);
RG_INTERNAL int rg_sniff_meliae(const void *head, size_t n);

#endif

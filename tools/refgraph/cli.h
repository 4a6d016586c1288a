/* cli.h: what the subcommands of the refgraph CLI share. */
#ifndef RG_CLI_H
#define RG_CLI_H

#include <getopt.h>
#include <refgraph.h>
#include <stdint.h>
#include <stdio.h>
#include <yajl/yajl_gen.h>

/* Exit statuses, documented in docs/cli.md. */
enum {
    EXIT_OK = 0,
    EXIT_BAD_INPUT = 1,  /* a snapshot or other input could not be read */
    EXIT_USAGE = 2,      /* the command line is wrong */
    EXIT_GATE = 3        /* a --fail-if-grows gate tripped */
};

/* One subcommand: argv[0] is the subcommand name. */
typedef int (*cli_command_fn)(int argc, char **argv);

int cmd_info(int argc, char **argv);
int cmd_types(int argc, char **argv);
int cmd_chain(int argc, char **argv);     /* cmd_chain.c */
int cmd_backrefs(int argc, char **argv);  /* cmd_backrefs.c */
int cmd_refs(int argc, char **argv);      /* cmd_backrefs.c */
int cmd_suspects(int argc, char **argv);    /* cmd_suspects.c */
int cmd_dominators(int argc, char **argv);  /* cmd_suspects.c */
int cmd_diff(int argc, char **argv);
/* What refgraph diff shows, and how (cmd_diff.c fills it, cmd_diff_output.c prints). */
typedef struct cli_diff_view {
    uint32_t top;                   /* rows per table; 0 = all */
    int json;
    uint64_t min_growth;            /* the thresholds in force, echoed in the output */
    double min_ratio;
    double min_group_ratio;
    size_t n_gates;
    const char *const *gate_specs;  /* as given to --fail-if-grows */
    rg_gate_result *gates;          /* their results */
    /* The judgement of the last snapshot's suspects with this growth, worded
     * as the report's Summary (rg_report_verdict); NULL when not computed
     * (objgraph logs, --no-groups). */
    const char *judgement;
    int judged_leak;                /* its top suspect is at least a possible leak */
} cli_diff_view;
void cli_diff_print_text(const rg_diff *d, const cli_diff_view *v, FILE *out);
void cli_diff_print_json(const rg_diff *d, const cli_diff_view *v, FILE *out);
int cmd_report(int argc, char **argv);
int cmd_attach(int argc, char **argv);  /* cmd_attach.c */

/* Options every command that opens snapshots accepts. */
typedef struct cli_load_options {
    int no_cache;
    const char *cache_dir;
    unsigned threads;
    uint64_t max_line_bytes;  /* 0: the library's default */
    uint64_t cache_max_bytes;  /* --cache-max; 0: the library's default */
} cli_load_options;

/* getopt_long option codes for the shared load options; commands include
 * CLI_LOAD_LONG_OPTIONS in their option table and pass unknown codes to
 * cli_load_option(). */
#define CLI_OPT_NO_CACHE 1001
#define CLI_OPT_CACHE_DIR 1002
#define CLI_OPT_THREADS 1003
#define CLI_OPT_MAX_LINE_BYTES 1004
#define CLI_OPT_CACHE_MAX 1005
#define CLI_OPT_COLOR 1006
#define CLI_LOAD_LONG_OPTIONS \
    {"color", required_argument, NULL, CLI_OPT_COLOR}, \
    {"no-cache", no_argument, NULL, CLI_OPT_NO_CACHE}, \
    {"cache-dir", required_argument, NULL, CLI_OPT_CACHE_DIR}, \
    {"cache-max", required_argument, NULL, CLI_OPT_CACHE_MAX}, \
    {"threads", required_argument, NULL, CLI_OPT_THREADS}, \
    {"max-line-bytes", required_argument, NULL, CLI_OPT_MAX_LINE_BYTES}

/* Each command's option table: what getopt_long parses, and what
 * `refgraph --completion bash|zsh|fish` (cli_complete.c) offers, so the
 * completions cannot drift from the parser. */
extern const struct option cli_info_options[], cli_types_options[], cli_chain_options[],
    cli_diagram_options[] /* backrefs, refs */, cli_suspects_options[] /* suspects, dominators */,
    cli_diff_options[], cli_report_options[], cli_attach_options[];
/* Print the completion script for `shell` (bash, zsh, fish) to stdout;
 * EXIT_USAGE for another shell. */
int cli_completion(const char *shell);
/* The one-line summary `refgraph --help` gives a command (main.c); "" if none. */
const char *cli_command_summary(const char *name);

/* Handle a shared load option; returns 1 if it was one, 0 if not, -1 on a
 * bad value (after printing the usage error). */
int cli_load_option(cli_load_options *lo, int code, const char *arg);

/* Open a snapshot, printing "refgraph: <error>" on failure. Returns an exit
 * status (EXIT_OK or EXIT_BAD_INPUT). */
int cli_open(const char *path, const cli_load_options *lo, rg_snapshot **out);

/* Print "refgraph <cmd>: <message>" and a hint to --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "Did you mean" (cli_suggest.c). The edit distance ignores ASCII case and
 * counts a swap of neighbours as one. */
size_t cli_edit_distance(const char *a, const char *b);
/* Up to `max` of `cands` nearest to `word` (all equally near, in table
 * order): by edit distance, by a type name's last dotted part, or, failing
 * those, containing `word` (case-insensitive). Returns how many. */
size_t cli_suggest(const char *word, const char *const *cands, size_t n, const char **out, size_t max);
/* "; did you mean 'PREFIXa' or 'PREFIXb'?" into buf, or "" when nothing is
 * near. Returns buf. */
const char *cli_did_you_mean(char *buf, size_t cap, const char *prefix, const char *word,
                             const char *const *cands, size_t n);
/* The same over the type names of a snapshot. */
const char *cli_did_you_mean_type(char *buf, size_t cap, const rg_snapshot *snap, const char *word);
/* After getopt_long returned '?' (opterr is 0; main() clears it): say what
 * was wrong with the option at argv[optind - 1] (unknown, with the nearest
 * options of `opts`; ambiguous; missing or unexpected value). Returns
 * EXIT_USAGE. */
int cli_option_error(const char *cmd, const struct option *opts, int argc, char **argv);

/* Parse a non-negative integer option value; -1 on error (after printing). */
long long cli_parse_count(const char *cmd, const char *opt, const char *arg);

/* A string from a snapshot (or any string not written by refgraph itself)
 * made safe for a terminal (cli_term.c): C0 controls, DEL, C1 controls,
 * bidi and line-separator characters and bytes that are not UTF-8 are shown
 * as \n, \r, \t, \xNN or \uNNNN. Every text printer passes such strings
 * through it; --json output is escaped by yajl instead. The result lives in
 * one of 16 rotating buffers: use it before 16 more calls. */
const char *cli_term(const char *s);
/* The same into out[cap] (cut to fit, NUL-terminated when cap > 0);
 * returns the length it needs, without the NUL. */
size_t cli_term_escape(const char *s, char *out, size_t cap);

/* Colour (cli_color.c) for headings and verdicts of text output: escape
 * sequences when stdout is a terminal and colour is wanted, else "". */
enum { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };
enum { CLI_C_OFF, CLI_C_HEAD, CLI_C_BAD, CLI_C_WARN, CLI_C_GOOD };
int cli_color_parse(const char *arg);  /* --color=auto|always|never; -1 if none of them */
const char *cli_color(int what);
const char *cli_color_level(int level); /* an rg_leak_level: red, yellow, green */
/* A progress line on stderr ("refgraph: loading FILE (3 s)") while a load
 * runs longer than about a second, on a terminal only; erased at the end. */
void cli_progress_begin(const char *what);
void cli_progress_end(void);

/* "1,234,567" */
const char *cli_fmt_count(char *buf, size_t cap, uint64_t n);
/* "62.3 MB": the library's rg_format_bytes, for the unsigned counts the
 * commands print. */
const char *cli_fmt_bytes(char *buf, size_t cap, uint64_t n);

/* JSON output through yajl_gen, so every string is escaped correctly. */
yajl_gen cli_json_new(void);
/* Write the generated document plus a newline to `out` and free the generator. */
int cli_json_finish(yajl_gen g, FILE *out);
/* Write what the generator holds to `out` (escaped as cli_json_finish does)
 * and empty it, when it holds at least min_bytes: a long document is then
 * streamed instead of built whole in memory. 0 or -1 on a write error. */
int cli_json_flush(yajl_gen g, FILE *out, size_t min_bytes);
/* The size at which the commands that stream their JSON flush it. */
#define CLI_JSON_FLUSH_BYTES 65536
/* Write a JSON document made elsewhere (rg_report_json) the same way. */
int cli_json_write(const unsigned char *buf, size_t len, FILE *out);
void cli_json_str(yajl_gen g, const char *s);
void cli_json_kv_str(yajl_gen g, const char *key, const char *val);
void cli_json_kv_int(yajl_gen g, const char *key, long long val);
void cli_json_kv_uint(yajl_gen g, const char *key, uint64_t val);
void cli_json_kv_double(yajl_gen g, const char *key, double val);

/* Write a file atomically: open a temporary next to `path`, and on commit
 * rename it into place; abort removes it, so a failure never leaves a
 * half-written file under the final name. */
typedef struct cli_atomic_file {
    FILE *fp;
    char *final_path;
    char *tmp_path;
} cli_atomic_file;
int cli_atomic_open(cli_atomic_file *f, const char *path);
int cli_atomic_commit(cli_atomic_file *f);   /* closes; 0 on success */
void cli_atomic_abort(cli_atomic_file *f);

/* A growable list of owned strings. */
typedef struct cli_strlist {
    char **v;
    size_t n, cap;
} cli_strlist;
int cli_strlist_add(cli_strlist *l, const char *s);  /* copies s; -1 when out of memory */
void cli_strlist_free(cli_strlist *l);

/* What a file is, told by its content: a snapshot (refgraph JSONL, V8,
 * meliae, compressed or not), an objgraph log, other JSON, or anything else. */
enum { CLI_IN_UNREADABLE, CLI_IN_SNAPSHOT, CLI_IN_LOG, CLI_IN_JSON, CLI_IN_OTHER };
int cli_sniff(const char *path);
int cli_is_dir(const char *path);
/* Append the snapshots in directory `dir`, in name order (the dumper names
 * them snap-NNNN-<time>); a directory without snapshots of its own stands for
 * its newest run-<pid>-<start>/ subdirectory that has some (said on stderr).
 * Prints the error and returns EXIT_BAD_INPUT when the directory cannot be
 * read or holds no snapshot. */
int cli_expand_dir(const char *dir, cli_strlist *out);
/* The last snapshot cli_expand_dir() would list (said on stderr), as a new
 * string the caller frees; NULL after printing the error. */
char *cli_newest_snapshot(const char *dir);

#endif

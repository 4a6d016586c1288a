/* rg_man.c: a build-time tool: one Markdown man page source (docs/man/NAME.SECTION.md)
 * to roff, with cmark-gfm's own man renderer and a .TH header.
 *
 *   rg_man NAME SECTION VERSION IN.md OUT
 *
 * The output is written to OUT.tmp and renamed, so a failed run never
 * leaves half a page. */
#include <cmark-gfm.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: rg_man NAME SECTION VERSION IN.md OUT\n");
        return 2;
    }
    const char *name = argv[1], *section = argv[2], *version = argv[3], *in = argv[4], *out = argv[5];
    FILE *f = fopen(in, "rb");
    if (!f) {
        fprintf(stderr, "rg_man: %s: %s\n", in, strerror(errno));
        return 1;
    }
    cmark_node *doc = cmark_parse_file(f, CMARK_OPT_DEFAULT);
    fclose(f);
    if (!doc) {
        fprintf(stderr, "rg_man: %s: cannot parse\n", in);
        return 1;
    }
    char *roff = cmark_render_man(doc, CMARK_OPT_DEFAULT, 0);
    cmark_node_free(doc);
    size_t n = strlen(out) + 8;
    char *tmp = malloc(n);
    if (!roff || !tmp) {
        fprintf(stderr, "rg_man: out of memory\n");
        return 1;
    }
    snprintf(tmp, n, "%s.tmp", out);
    FILE *o = fopen(tmp, "wb");
    if (!o) {
        fprintf(stderr, "rg_man: %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    /* Upper-case title, as man pages have. No date: the page is the same
     * whenever it is built. */
    char title[128];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof title; i++)
        title[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    title[i] = '\0';
    int bad = fprintf(o, ".TH \"%s\" \"%s\" \"\" \"refgraph %s\" \"refgraph manual\"\n", title, section,
                      version) < 0;
    bad |= fputs(roff, o) < 0;
    bad |= fclose(o) != 0;
    free(roff);
    if (bad || rename(tmp, out) != 0) {
        fprintf(stderr, "rg_man: %s: cannot write: %s\n", out, strerror(errno));
        remove(tmp);
        free(tmp);
        return 1;
    }
    free(tmp);
    return 0;
}

/* _refgraph_accel: optional C speed-up for tools/python/refgraph_dump.py.
 *
 * The dumper's walker stays in Python; this module only replaces its two inner loops
 * (over one chunk of a gc generation list, and drain(): de-duplicating the untracked
 * objects waiting to be written, in a table of pointers, and writing them) and writes, at C speed, the records whose text the profile showed
 * to dominate: untracked int/str/float, exact tuples/lists of up to 32 items, and
 * instances of classes whose attributes are inline (h_instance_t's fast case).
 * Every other object goes to the Python handler the walker would have called, with the
 * same arguments, so both paths produce byte-identical snapshots
 * (tests/python/test_accel.py).
 *
 * Identity includes every "rc": CPython reports the reference count of an object at
 * the moment its record is written, and the pure-Python loops hold references in their
 * local variables (the loop variable, the item's type, the running edge count, the last
 * string length).  Small ints and static types are shared objects that show up in the
 * snapshot, so this module holds exactly the references those locals would hold, at
 * the same moments, and no reference the Python side could observe beyond them (the
 * per-class specs hold their class borrowed: a reference would change make()'s held[]
 * count, itself a small int in the snapshot).  The comments at each such place name
 * the Python local it stands for; the formulas for "rc" follow from them.
 *
 * The dumper's own objects (refgraph_dump._own_objects) come as two tables built once
 * per walk: ids that chunk() skips, and per object the references the dumper's objects
 * hold on it, which every "rc" leaves out exactly as the Python handlers do.  A short
 * list that holds one of the skipped objects goes to its Python handler, which leaves
 * that item out.
 *
 * All records are ASCII (labels go through the JSON ASCII escaper), so the text is
 * built in a char buffer and handed to the walker's output list as ASCII str objects.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

PyMODINIT_FUNC PyInit__refgraph_accel(void);

#define REPR_MAX 120   /* refgraph_dump._REPR_MAX */
#define INLINE_SEQ 32  /* longer sequences are written piece by piece in Python */
#define FLUSH_AT (1 << 16)

/* Cleared by set_enabled(False): lets one process dump the same heap both ways. */
static int accel_enabled = 1;
/* The empty string the drain loop passes as "flags" (the walker's constant ""). */
static PyObject *empty_str;

/* ---- output text ------------------------------------------------------------ */

typedef struct {
    char *p;
    size_t len;
    size_t cap;
} textbuf;

/* Hot helpers are inlined: most pieces are short literals, whose copies the compiler
 * then makes a few moves instead of a call to memcpy. */
#if defined(__GNUC__)
#define HOT_INLINE static inline __attribute__((always_inline))
#define COLD static __attribute__((noinline, cold))
#else
#define HOT_INLINE static inline
#define COLD static
#endif

COLD int tb_grow(textbuf *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra)
        cap *= 2;
    char *np = PyMem_Realloc(b->p, cap);
    if (np == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = np;
    b->cap = cap;
    return 0;
}

HOT_INLINE int tb_reserve(textbuf *b, size_t extra)
{
    return b->len + extra <= b->cap ? 0 : tb_grow(b, extra);
}

HOT_INLINE int tb_put(textbuf *b, const char *s, size_t n)
{
    if (tb_reserve(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

#define TB_LIT(b, lit) tb_put((b), (lit), sizeof(lit) - 1)

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Decimal digits of v, written in place (two at a time): numbers are most of the text,
 * and a copy from a scratch buffer was a call to memcpy per number. */
HOT_INLINE int tb_u64(textbuf *b, unsigned long long v)
{
    if (tb_reserve(b, 20) < 0)
        return -1;
    int n = 1;
    for (unsigned long long t = v; t >= 10; t /= 10)
        n++;
    char *e = b->p + b->len + n;
    b->len += (size_t)n;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--e = digit_pairs[d + 1];
        *--e = digit_pairs[d];
    }
    if (v >= 10) {
        *--e = digit_pairs[v * 2 + 1];
        *--e = digit_pairs[v * 2];
    } else {
        *--e = (char)('0' + v);
    }
    return 0;
}

HOT_INLINE int tb_i64(textbuf *b, long long v)
{
    if (v < 0) {
        if (TB_LIT(b, "-") < 0)
            return -1;
        return tb_u64(b, 0ULL - (unsigned long long)v);
    }
    return tb_u64(b, (unsigned long long)v);
}

HOT_INLINE int tb_id(textbuf *b, PyObject *o)
{
    return tb_u64(b, (unsigned long long)(uintptr_t)o);  /* what id() returns */
}

/* Append an ASCII str verbatim (reprs of ints and floats, the flags text). */
static int tb_ascii(textbuf *b, PyObject *u)
{
    if (!PyUnicode_Check(u) || !PyUnicode_IS_ASCII(u)) {
        PyErr_SetString(PyExc_TypeError, "_refgraph_accel: expected an ASCII str");
        return -1;
    }
    return tb_put(b, (const char *)PyUnicode_DATA(u), (size_t)PyUnicode_GET_LENGTH(u));
}

/* The first n code points of u as a JSON string, escaped exactly as
 * json.encoder.c_encode_basestring_ascii does, without the closing quote. */
static int tb_json_body(textbuf *b, PyObject *u, Py_ssize_t n)
{
    static const char hex[] = "0123456789abcdef";
    int kind = PyUnicode_KIND(u);
    const void *data = PyUnicode_DATA(u);
    if (tb_reserve(b, (size_t)n * 12 + 1) < 0)
        return -1;
    char *o = b->p + b->len;
    *o++ = '"';
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c >= ' ' && c <= '~' && c != '\\' && c != '"') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '\\': *o++ = '\\'; break;
        case '"': *o++ = '"'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            if (c >= 0x10000) {
                Py_UCS4 hi = Py_UNICODE_HIGH_SURROGATE(c);
                *o++ = 'u';
                *o++ = hex[(hi >> 12) & 0xf];
                *o++ = hex[(hi >> 8) & 0xf];
                *o++ = hex[(hi >> 4) & 0xf];
                *o++ = hex[hi & 0xf];
                c = Py_UNICODE_LOW_SURROGATE(c);
                *o++ = '\\';
            }
            *o++ = 'u';
            *o++ = hex[(c >> 12) & 0xf];
            *o++ = hex[(c >> 8) & 0xf];
            *o++ = hex[(c >> 4) & 0xf];
            *o++ = hex[c & 0xf];
        }
    }
    b->len = (size_t)(o - b->p);
    return 0;
}

/* Hand the text gathered so far to the walker's output list as one ASCII str. */
static int tb_flush(textbuf *b, PyObject *list)
{
    if (b->len == 0)
        return 0;
    PyObject *s = PyUnicode_New((Py_ssize_t)b->len, 127);
    if (s == NULL)
        return -1;
    memcpy(PyUnicode_DATA(s), b->p, b->len);
    b->len = 0;
    int r = PyList_Append(list, s);
    Py_DECREF(s);
    return r;
}

/* ---- the writer thread ------------------------------------------------------- *
 *
 * With output(fd), the walk's text goes to fd from a thread of our own instead of
 * through Python str objects: the walk fills a buffer, hands it over when it holds
 * WRITE_AT bytes and goes on in the next one while the thread copies the full one
 * into the page cache (a fifth of the walk's time when done inline) on the other core.
 * The thread calls only write(2): it never takes the GIL, which the walking thread
 * keeps for the whole walk, so no Python thread runs and changes the heap meanwhile.
 * At most WQ buffers wait, so the text in memory stays bounded (a few MB) however fast
 * the walk. The first failed write (ENOSPC, EPIPE...) stops the writing; the walking
 * thread raises it as the OSError a write from Python would have raised, at its next
 * hand-over or at finish, and dump() then removes the partial file as before. */

#define WRITE_AT (1 << 19)  /* bytes per hand-over */
#define WQ 4                /* buffers waiting for the thread, at most */

typedef struct {
    int fd;
    int started;        /* the thread runs (joined by writer_stop) */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t work;   /* to the thread: a buffer is queued, or stop is set */
    pthread_cond_t done;   /* to the walker: a buffer was written */
    textbuf q[WQ];         /* full buffers, written in order from qhead */
    int qhead, qn;
    textbuf spare[WQ + 2]; /* written buffers, reused */
    int nspare;
    int stop;              /* no more buffers will come */
    int err;               /* errno of the first failed write; later buffers are dropped */
} writer;

static int write_fully(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void *writer_main(void *arg)
{
    writer *wr = arg;
    pthread_mutex_lock(&wr->mu);
    for (;;) {
        while (wr->qn == 0 && !wr->stop)
            pthread_cond_wait(&wr->work, &wr->mu);
        if (wr->qn == 0)
            break;
        textbuf b = wr->q[wr->qhead];
        int failed = wr->err;
        pthread_mutex_unlock(&wr->mu);
        int e = failed ? 0 : write_fully(wr->fd, b.p, b.len);
        pthread_mutex_lock(&wr->mu);
        if (e && !wr->err)
            wr->err = e;
        wr->qhead = (wr->qhead + 1) % WQ;
        wr->qn--;
        b.len = 0;
        wr->spare[wr->nspare++] = b;
        pthread_cond_signal(&wr->done);
    }
    pthread_mutex_unlock(&wr->mu);
    return NULL;
}

static int writer_start(writer *wr, int fd)
{
    memset(wr, 0, sizeof *wr);
    wr->fd = fd;
    if (pthread_mutex_init(&wr->mu, NULL) != 0 || pthread_cond_init(&wr->work, NULL) != 0 ||
        pthread_cond_init(&wr->done, NULL) != 0) {
        PyErr_SetString(PyExc_RuntimeError, "_refgraph_accel: cannot set up the writer");
        return -1;
    }
    /* Signals stay with the program's threads: the writer blocks them all. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int e = pthread_create(&wr->th, NULL, writer_main, wr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        errno = e;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    wr->started = 1;
    return 0;
}

static int writer_raise(int e)
{
    errno = e;
    PyErr_SetFromErrno(PyExc_OSError);
    return -1;
}

/* Queue *b for writing (waiting while WQ buffers wait) and give *b an empty buffer. */
static int writer_put(writer *wr, textbuf *b)
{
    if (b->len == 0)
        return 0;
    pthread_mutex_lock(&wr->mu);
    while (wr->qn == WQ && !wr->err)
        pthread_cond_wait(&wr->done, &wr->mu);
    int e = wr->err;
    if (!e) {
        wr->q[(wr->qhead + wr->qn) % WQ] = *b;
        wr->qn++;
        pthread_cond_signal(&wr->work);
        if (wr->nspare > 0) {
            *b = wr->spare[--wr->nspare];
        } else {
            b->p = NULL;
            b->len = b->cap = 0;
        }
    }
    pthread_mutex_unlock(&wr->mu);
    return e ? writer_raise(e) : 0;
}

/* Stop the thread once the queue is written, and free the buffers. Returns the errno
 * of the first failed write, or 0. */
static int writer_stop(writer *wr)
{
    if (!wr->started)
        return 0;
    pthread_mutex_lock(&wr->mu);
    wr->stop = 1;
    pthread_cond_signal(&wr->work);
    pthread_mutex_unlock(&wr->mu);
    pthread_join(wr->th, NULL);
    wr->started = 0;
    for (int i = 0; i < wr->nspare; i++)
        PyMem_Free(wr->spare[i].p);
    wr->nspare = 0;
    pthread_mutex_destroy(&wr->mu);
    pthread_cond_destroy(&wr->work);
    pthread_cond_destroy(&wr->done);
    return wr->err;
}

/* Append the text of the str objects in list (the Python handlers' records) and
 * empty it: what "".join(list).encode("utf-8", "surrogatepass") would write. */
static int tb_absorb(textbuf *b, PyObject *list)
{
    Py_ssize_t n = PyList_GET_SIZE(list);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = PyList_GET_ITEM(list, i);
        if (!PyUnicode_Check(s)) {
            PyErr_SetString(PyExc_TypeError, "_refgraph_accel: the output list holds a non-str");
            return -1;
        }
        if (PyUnicode_IS_ASCII(s)) {
            if (tb_put(b, (const char *)PyUnicode_DATA(s), (size_t)PyUnicode_GET_LENGTH(s)) < 0)
                return -1;
            continue;
        }
        PyObject *e = PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass");
        if (e == NULL)
            return -1;
        int r = tb_put(b, PyBytes_AS_STRING(e), (size_t)PyBytes_GET_SIZE(e));
        Py_DECREF(e);
        if (r < 0)
            return -1;
    }
    return n ? PyList_SetSlice(list, 0, n, NULL) : 0;
}

/* ---- float repr ------------------------------------------------------------------ *
 *
 * repr(x) of a float is the shortest decimal that reads back as x (David Gay's dtoa,
 * mode 0, with big-number arithmetic: a tenth of the walk on the seed queue, whose
 * floats are time() stamps of 17 digits). For 1 <= |x| < 2**53, where the repr has no
 * exponent, the same digits come from exact 128-bit integer arithmetic: x = m / 2**E,
 * and the shortest decimal in x's rounding interval is the multiple of the largest
 * power of ten that the interval holds, rounded to nearest. The cases where the
 * interval's ends or a halfway point are hit exactly, and a power-of-two m (its
 * interval is lopsided), go to CPython's own float repr, as does every other x.
 * tests/python/test_accel.py compares the two on millions of values. */

/* The repr of x into out (at least 32 bytes), or -1 when the fast path does not apply
 * (always, for a compiler without 128-bit integers). */
#if defined(__SIZEOF_INT128__)
typedef unsigned __int128 u128;

static int short_float_repr(double x, char *out)
{
    double ax = fabs(x);
    if (!(ax >= 1.0 && ax < 9007199254740992.0))  /* also false for NaN */
        return -1;
    int ex;
    double f = frexp(ax, &ex);                         /* ax = f * 2**ex, ex in [1, 53] */
    uint64_t m = (uint64_t)ldexp(f, 53);               /* exact: 53 significant bits */
    int E = 53 - ex;                                   /* ax = m / 2**E */
    if (m == (uint64_t)1 << 52)
        return -1;
    uint64_t ip = m >> E;                              /* the integer part, >= 1 */
    int d = 0;
    for (uint64_t t = ip; t; t /= 10)
        d++;
    int k = 17 - d;                                    /* 17 significant digits */
    u128 p10[18];
    p10[0] = 1;
    for (int i = 1; i < 18; i++)
        p10[i] = p10[i - 1] * 10;
    u128 N = (u128)m * p10[k] * 2;                     /* x * 10**k * 2**(E+1) */
    u128 W = p10[k];                                   /* the half interval, same units */
    u128 q_best = 0;
    int j_best = -1;
    for (int j = 0; j <= 17; j++) {
        u128 D = p10[j] << (E + 1);
        u128 q = N / D, r = N % D;
        if (2 * r == D)
            return -1;                                 /* halfway: leave it to dtoa */
        if (2 * r > D)
            q++;
        u128 C = q * D;
        u128 dist = C > N ? C - N : N - C;
        if (dist == W)
            return -1;                                 /* on the interval's end */
        if (dist > W)
            break;
        q_best = q;
        j_best = j;
    }
    if (j_best < 0)
        return -1;
    /* value = q_best * 10**(j_best - k); drop q's trailing zeros. */
    int e10 = j_best - k;
    while (q_best % 10 == 0) {
        q_best /= 10;
        e10++;
    }
    char dig[24];
    int n = 0;
    for (uint64_t t = (uint64_t)q_best; t; t /= 10)  /* q_best < 10**18 */
        dig[n++] = (char)('0' + (int)(t % 10));
    int decpt = n + e10;                               /* digits before the point */
    if (decpt < 1 || decpt > 16)
        return -1;
    char *o = out;
    if (x < 0)
        *o++ = '-';
    for (int i = 0; i < decpt; i++)
        *o++ = i < n ? dig[n - 1 - i] : '0';
    *o++ = '.';
    if (decpt >= n) {
        *o++ = '0';
    } else {
        for (int i = decpt; i < n; i++)
            *o++ = dig[n - 1 - i];
    }
    return (int)(o - out);
}
#else
static int short_float_repr(double x, char *out)
{
    (void)x;
    (void)out;
    return -1;
}
#endif

/* repr(x) of an exact float into b: float.__repr__'s text. */
static int tb_float_repr(textbuf *b, PyObject *x)
{
    char tmp[32];
    int n = short_float_repr(PyFloat_AS_DOUBLE(x), tmp);
    if (n >= 0)
        return tb_put(b, tmp, (size_t)n);
    PyObject *r = PyFloat_Type.tp_repr(x);
    if (r == NULL)
        return -1;
    int rc = tb_ascii(b, r);
    Py_DECREF(r);
    return rc;
}

/* sys.getsizeof(o) for the exact types the records here write most, computed as
 * CPython 3.11's __sizeof__ slots and getsizeof do (the GC header of a tracked
 * type); -2 when o is not one of them, or on another runtime. tests/python/
 * test_accel.py compares the records with the pure path's, which calls getsizeof. */
static long long gc_head = -1;  /* sizeof(PyGC_Head) once fast_sizes_check() passed */

static long long fast_size(PyObject *o)
{
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    PyTypeObject *t = Py_TYPE(o);
    if (gc_head < 0)
        return -2;
    if (t == &PyLong_Type) {  /* int___sizeof__: at least one digit, even for 0 */
        Py_ssize_t nd = Py_SIZE(o) < 0 ? -Py_SIZE(o) : Py_SIZE(o);
        return (long long)offsetof(PyLongObject, ob_digit) + (nd ? nd : 1) * (long long)sizeof(digit);
    }
    if (t == &PyTuple_Type)   /* object.__sizeof__ with tp_itemsize, and the GC header */
        return (long long)t->tp_basicsize + Py_SIZE(o) * (long long)t->tp_itemsize +
               gc_head;
    if (t == &PyList_Type)    /* list___sizeof__: the allocated slots */
        return (long long)t->tp_basicsize +
               ((PyListObject *)o)->allocated * (long long)sizeof(PyObject *) +
               gc_head;
    if (t == &PyUnicode_Type && PyUnicode_IS_COMPACT_ASCII(o) &&
        ((PyASCIIObject *)o)->wstr == NULL)  /* unicode_sizeof: no wstr or utf8 block */
        return (long long)sizeof(PyASCIIObject) + PyUnicode_GET_LENGTH(o) + 1;
#else
    (void)o;
#endif
    return -2;
}

/* sys.getsizeof(o), without a Python-level call where the runtime exports it. */
#if PY_VERSION_HEX < 0x030D0000
#define NEED_SYS_GETSIZEOF 0
#else
#define NEED_SYS_GETSIZEOF 1
static PyObject *sys_getsizeof;
#endif

static long long size_of(PyObject *o)
{
    long long fs = fast_size(o);
    if (fs != -2)
        return fs;
#if !NEED_SYS_GETSIZEOF
    size_t s = _PySys_GetSizeOf(o);
    if (s == (size_t)-1 && PyErr_Occurred())
        return -1;
    return (long long)s;
#else
    PyObject *r = PyObject_CallOneArg(sys_getsizeof, o);
    if (r == NULL)
        return -1;
    long long s = PyLong_AsLongLong(r);
    Py_DECREF(r);
    return s;
#endif
}

/* At import: the GC header's size (internal to CPython) from getsizeof of a tuple, then
 * fast_size() against getsizeof on samples of each kind; any difference leaves
 * fast_size() off, and every size comes from getsizeof. */
static int fast_sizes_check(void)
{
    PyObject *v = Py_BuildValue("(O)", Py_None);
    if (v == NULL)
        return -1;
    long long s = size_of(v);
    Py_DECREF(v);
    if (s < 0)
        return -1;
    gc_head = s - (long long)PyTuple_Type.tp_basicsize - (long long)PyTuple_Type.tp_itemsize;
    PyObject *samples = Py_BuildValue("(iiiLs(ii)[ii]s)", 0, 1, -7, (long long)1 << 62,
                                      "walk", 1, 2, 3, 4, "");
    if (samples == NULL)
        return -1;
    PyObject *big = PyNumber_Lshift(PyTuple_GET_ITEM(samples, 3), PyTuple_GET_ITEM(samples, 1));
    int ok = big != NULL && gc_head >= 0;
    for (Py_ssize_t i = 0; ok && i <= PyTuple_GET_SIZE(samples); i++) {
        PyObject *o = i < PyTuple_GET_SIZE(samples) ? PyTuple_GET_ITEM(samples, i) : big;
        long long f = fast_size(o);
        gc_head = -gc_head - 2;  /* off: size_of() asks getsizeof */
        long long g = size_of(o);
        gc_head = -gc_head - 2;
        ok = f == g && g >= 0;
    }
    Py_XDECREF(big);
    Py_DECREF(samples);
    if (!ok)
        gc_head = -1;
    PyErr_Clear();
    return 0;
}

/* ---- object sets ------------------------------------------------------------- */

/* id -> count, for the dumper's own objects (skipped) and for the references they hold
 * (left out of "rc"): built once per walk from the walker's set and dict of ids, then
 * looked up per record without creating a Python int. Open addressing; 0 = empty. */
typedef struct {
    uintptr_t *keys;
    Py_ssize_t *vals;
    size_t mask;  /* capacity - 1; 0 when empty (nothing is ever found) */
} ptrmap;

static size_t ptr_slot(uintptr_t k, size_t mask)
{
    return (size_t)(((uint64_t)(k >> 4) * 0x9E3779B97F4A7C15ull) >> 20) & mask;
}

static Py_ssize_t ptrmap_get(const ptrmap *m, const void *p)
{
    if (m->mask == 0)
        return 0;
    uintptr_t k = (uintptr_t)p;
    for (size_t i = ptr_slot(k, m->mask);; i = (i + 1) & m->mask) {
        if (m->keys[i] == k)
            return m->vals[i];
        if (m->keys[i] == 0)
            return 0;
    }
}

static void ptrmap_free(ptrmap *m)
{
    PyMem_Free(m->keys);
    PyMem_Free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->mask = 0;
}

/* From a set of ids (each counts 1) or a dict id -> count. */
static int ptrmap_build(ptrmap *m, PyObject *src)
{
    ptrmap_free(m);
    Py_ssize_t n = PyObject_Size(src);
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    size_t cap = 16;
    while (cap < (size_t)n * 2)
        cap *= 2;
    m->keys = PyMem_Calloc(cap, sizeof *m->keys);
    m->vals = PyMem_Calloc(cap, sizeof *m->vals);
    if (m->keys == NULL || m->vals == NULL) {
        ptrmap_free(m);
        PyErr_NoMemory();
        return -1;
    }
    m->mask = cap - 1;
    PyObject *it = PyObject_GetIter(src);
    if (it == NULL) {
        ptrmap_free(m);
        return -1;
    }
    PyObject *key;
    while ((key = PyIter_Next(it)) != NULL) {
        uintptr_t k = (uintptr_t)PyLong_AsVoidPtr(key);
        Py_ssize_t v = 1;
        if (!(k == 0 && PyErr_Occurred()) && PyDict_Check(src)) {
            PyObject *val = PyDict_GetItemWithError(src, key);  /* borrowed */
            v = val ? PyLong_AsSsize_t(val) : -1;
        }
        Py_DECREF(key);
        if (PyErr_Occurred())
            break;
        if (k == 0)
            continue;
        size_t i = ptr_slot(k, m->mask);
        while (m->keys[i] != 0 && m->keys[i] != k)
            i = (i + 1) & m->mask;
        m->keys[i] = k;
        m->vals[i] = v;
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        ptrmap_free(m);
        return -1;
    }
    return 0;
}

/* The ids of the untracked objects written so far (and of the dumper's own): drain()'s
 * "seen", kept here so that de-duplicating a batch creates no Python int per item.
 * Open addressing over pointers, grown at half full; 0 = empty. */
typedef struct {
    uintptr_t *keys;
    size_t mask;  /* capacity - 1 */
    size_t used;
} ptrset;

static void ptrset_free(ptrset *s)
{
    PyMem_Free(s->keys);
    s->keys = NULL;
    s->mask = 0;
    s->used = 0;
}

static void ptrset_put(uintptr_t *keys, size_t mask, uintptr_t k)
{
    size_t i = ptr_slot(k, mask);
    while (keys[i] != 0)
        i = (i + 1) & mask;
    keys[i] = k;
}

/* 1 if p was added, 0 if it was there, -1 (MemoryError) on failure. */
static int ptrset_add(ptrset *s, const void *p)
{
    uintptr_t k = (uintptr_t)p;
    if ((s->used + 1) * 2 > s->mask + 1 || s->keys == NULL) {
        size_t cap = s->keys ? (s->mask + 1) * 2 : 1024;
        uintptr_t *keys = PyMem_Calloc(cap, sizeof *keys);
        if (keys == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        if (s->keys != NULL) {
            for (size_t i = 0; i <= s->mask; i++)
                if (s->keys[i] != 0)
                    ptrset_put(keys, cap - 1, s->keys[i]);
        }
        PyMem_Free(s->keys);
        s->keys = keys;
        s->mask = cap - 1;
    }
    for (size_t i = ptr_slot(k, s->mask);; i = (i + 1) & s->mask) {
        if (s->keys[i] == k)
            return 0;
        if (s->keys[i] == 0) {
            s->keys[i] = k;
            s->used++;
            return 1;
        }
    }
}

/* gc.is_tracked(o), without a call for the untracked kinds most items are (int, float,
 * str: their types are not GC types at all). */
HOT_INLINE int is_tracked(PyObject *o)
{
    return PyType_IS_GC(Py_TYPE(o)) && PyObject_GC_IsTracked(o);
}

/* ---- records ----------------------------------------------------------------- */

static int head(textbuf *b, PyObject *o, const char *type_json, long long size)
{
    if (TB_LIT(b, "{\"rec\":\"object\",\"id\":") < 0 || tb_id(b, o) < 0 ||
        TB_LIT(b, ",\"type\":") < 0 || tb_put(b, type_json, strlen(type_json)) < 0 ||
        TB_LIT(b, ",\"size\":") < 0 || tb_i64(b, size) < 0)
        return -1;
    return 0;
}

/* The "repr" value of a record and its end, from repr r: at most REPR_MAX characters,
 * "..." in place of the rest (the pure path's _bounded()). */
static int tb_repr_tail(textbuf *b, PyObject *r)
{
    Py_ssize_t rn = PyUnicode_GET_LENGTH(r);
    if (rn > REPR_MAX)
        return tb_json_body(b, r, REPR_MAX - 3) < 0 || TB_LIT(b, "...\"}\n") < 0 ? -1 : 0;
    return tb_json_body(b, r, rn) < 0 || TB_LIT(b, "\"}\n") < 0 ? -1 : 0;
}

/* drain(): `"rc":{getrefcount(x) - 3}` with x held by the batch, the loop variable and
 * getrefcount's argument; only the batch's reference is real here. */
static long long batch_rc(PyObject *x, const ptrmap *adj)
{
    return (long long)Py_REFCNT(x) - 1 - ptrmap_get(adj, x);
}

static int rec_int(textbuf *b, PyObject *x, const ptrmap *adj)
{
    long long size = size_of(x);
    if (size < 0)
        return -1;
    if (head(b, x, "\"int\"", size) < 0 || TB_LIT(b, ",\"rc\":") < 0 ||
        tb_i64(b, batch_rc(x, adj)) < 0 || TB_LIT(b, ",\"repr\":\"") < 0)
        return -1;
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(x, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (!overflow) {
        if (tb_i64(b, v) < 0)
            return -1;
    } else {
        /* _atom_repr(): beyond 380 bits a placeholder, else int.__repr__. */
        size_t bits = _PyLong_NumBits(x);
        if (bits == (size_t)-1 && PyErr_Occurred())
            return -1;
        if (bits > 380) {
            if (TB_LIT(b, "<int of ") < 0 || tb_u64(b, bits) < 0 || TB_LIT(b, " bits>") < 0)
                return -1;
        } else {
            PyObject *r = PyLong_Type.tp_repr(x);
            if (r == NULL)
                return -1;
            int rc = tb_ascii(b, r);
            Py_DECREF(r);
            if (rc < 0)
                return -1;
        }
    }
    return TB_LIT(b, "\"}\n");
}

static int rec_float(textbuf *b, PyObject *x, const ptrmap *adj)
{
    if (head(b, x, "\"float\"", 24) < 0 || TB_LIT(b, ",\"rc\":") < 0 ||
        tb_i64(b, batch_rc(x, adj)) < 0 || TB_LIT(b, ",\"repr\":\"") < 0)
        return -1;
    if (tb_float_repr(b, x) < 0)
        return -1;
    return TB_LIT(b, "\"}\n");
}

static int rec_str(textbuf *b, PyObject *x, const ptrmap *adj)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(x);
    PyObject *r;
    if (n <= REPR_MAX) {
        r = PyUnicode_Type.tp_repr(x);
    } else {
        PyObject *cut = PyUnicode_Substring(x, 0, REPR_MAX);
        if (cut == NULL)
            return -1;
        r = PyUnicode_Type.tp_repr(cut);
        Py_DECREF(cut);
    }
    if (r == NULL)
        return -1;
    long long size = size_of(x);
    int rc = -1;
    if (size < 0)
        goto out;
    if (head(b, x, "\"str\"", size) < 0 || TB_LIT(b, ",\"len\":") < 0 || tb_i64(b, n) < 0 ||
        TB_LIT(b, ",\"rc\":") < 0 || tb_i64(b, batch_rc(x, adj)) < 0 || TB_LIT(b, ",\"repr\":") < 0)
        goto out;
    rc = tb_repr_tail(b, r);
out:
    Py_DECREF(r);
    return rc;
}

/* for_atom's handler on an exact bytes (code objects hold several: a tenth of every
 * interpreter's objects), at drain()'s "rc" (see batch_rc). */
static int rec_bytes(textbuf *b, PyObject *x, const ptrmap *adj)
{
    Py_ssize_t n = PyBytes_GET_SIZE(x);
    PyObject *r;
    if (n <= REPR_MAX) {
        r = PyBytes_Type.tp_repr(x);
    } else {
        PyObject *cut = PyBytes_FromStringAndSize(PyBytes_AS_STRING(x), REPR_MAX);
        if (cut == NULL)
            return -1;
        r = PyBytes_Type.tp_repr(cut);
        Py_DECREF(cut);
    }
    if (r == NULL)
        return -1;
    long long size = size_of(x);
    int rc = -1;
    if (size < 0)
        goto out;
    if (head(b, x, "\"bytes\"", size) < 0 || TB_LIT(b, ",\"rc\":") < 0 ||
        tb_i64(b, batch_rc(x, adj)) < 0 || TB_LIT(b, ",\"len\":") < 0 || tb_i64(b, n) < 0 ||
        TB_LIT(b, ",\"repr\":") < 0)
        goto out;
    rc = tb_repr_tail(b, r);
out:
    Py_DECREF(r);
    return rc;
}

/* h_tuple / h_list for at most INLINE_SEQ items: `"rc":{getrefcount(o) - 4}` with o
 * held by its sequence, the loop variable, the handler's parameter and getrefcount's
 * argument, of which only the sequence's reference is real here.  Returns the number
 * of edges, or -1. */
static Py_ssize_t rec_seq(textbuf *b, PyObject *o, int is_tuple, const char *fl,
                          Py_ssize_t fl_len, PyObject *pend, const ptrmap *adj,
                          const ptrmap *skip)
{
    Py_ssize_t n = is_tuple ? PyTuple_GET_SIZE(o) : PyList_GET_SIZE(o);
    PyObject **items = is_tuple ? &PyTuple_GET_ITEM(o, 0) : ((PyListObject *)o)->ob_item;
    /* A list item that is the dumper's own: the Python handler leaves it out. */
    for (Py_ssize_t i = 0; !is_tuple && i < n; i++) {
        if (ptrmap_get(skip, items[i]))
            return -2;
    }
    /* pend_ext(untracked(trk, o)) */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!is_tracked(items[i]) && PyList_Append(pend, items[i]) < 0)
            return -1;
    }
    long long size = size_of(o);
    if (size < 0)
        return -1;
    if (head(b, o, is_tuple ? "\"tuple\"" : "\"list\"", size) < 0 ||
        TB_LIT(b, ",\"len\":") < 0 || tb_i64(b, n) < 0 || TB_LIT(b, ",\"rc\":") < 0 ||
        tb_i64(b, (long long)Py_REFCNT(o) - 1 - ptrmap_get(adj, o)) < 0 || tb_put(b, fl, (size_t)fl_len) < 0 ||
        TB_LIT(b, ",\"refs\":[") < 0)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if ((i && TB_LIT(b, ",") < 0) || TB_LIT(b, "[") < 0 || tb_id(b, items[i]) < 0 ||
            TB_LIT(b, ",\"index\",") < 0 || tb_u64(b, (unsigned long long)i) < 0 ||
            TB_LIT(b, "]") < 0)
            return -1;
    }
    if (TB_LIT(b, "]}\n") < 0)
        return -1;
    return n;
}

/* ---- instances of plain classes ------------------------------------------------ */

/* What h_instance_t's fast case knows about one class whose instances keep their
 * attributes inline in shared-keys order (CPython 3.11) and have a fixed size. */
typedef struct {
    /* Borrowed: h's closure keeps t alive, and w->plain keeps h. A reference here
     * would change make()'s held[] count, a small int that is in the snapshot. */
    PyTypeObject *t;
    PyObject *sz;       /* h's size cache list, filled as h fills it */
    long long size;     /* sz[0] once known (h writes that size for every instance), or 0 */
    Py_ssize_t n1;      /* referents expected: the values, then the class */
    int single_dict;
    char *tn;           /* JSON type name */
    char **labels;      /* JSON attribute names, n1 - 1 of them */
} plainspec;

static void plainspec_free(PyObject *capsule)
{
    plainspec *p = PyCapsule_GetPointer(capsule, "refgraph.plainspec");
    if (p == NULL)
        return;
    Py_XDECREF(p->sz);
    PyMem_Free(p->tn);
    if (p->labels) {
        for (Py_ssize_t i = 0; i < p->n1 - 1; i++)
            PyMem_Free(p->labels[i]);
        PyMem_Free(p->labels);
    }
    PyMem_Free(p);
}

static char *copy_ascii(PyObject *u)
{
    if (!PyUnicode_Check(u) || !PyUnicode_IS_ASCII(u)) {
        PyErr_SetString(PyExc_TypeError, "_refgraph_accel: expected an ASCII str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(u);
    char *s = PyMem_Malloc((size_t)n + 1);
    if (s == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(s, PyUnicode_DATA(u), (size_t)n);
    s[n] = '\0';
    return s;
}

/* gc.get_referents(o) without the list: the first `cap` referents, and their count. */
typedef struct {
    PyObject **v;
    Py_ssize_t n;
    Py_ssize_t cap;
} refs_seen;

static int collect_ref(PyObject *r, void *arg)
{
    refs_seen *rs = arg;
    if (rs->n < rs->cap)
        rs->v[rs->n] = r;
    rs->n++;
    return 0;
}

#define PLAIN_MAX 64  /* shared keys hold at most 64 names (_Layout311._names_at) */

/* h's fast case; returns the edge count, or -2 when h itself must run. */
static Py_ssize_t rec_plain(textbuf *b, plainspec *p, PyObject *o, const char *fl,
                            Py_ssize_t fl_len, PyObject *pend, const ptrmap *adj)
{
    PyObject *v[PLAIN_MAX + 2];
    refs_seen rs = {v, 0, PLAIN_MAX + 2};
    traverseproc trav = Py_TYPE(o)->tp_traverse;
    if (PyObject_IS_GC(o) && trav != NULL && trav(o, collect_ref, &rs) != 0)
        return -2;
    if (rs.n != p->n1 || rs.n > rs.cap || v[rs.n - 1] != (PyObject *)p->t ||
        (p->single_dict && PyDict_CheckExact(v[0])))
        return -2;
    for (Py_ssize_t i = 0; i < rs.n; i++) {
        if (!is_tracked(v[i]) && PyList_Append(pend, v[i]) < 0)
            return -1;
    }
    long long size = p->size;
    if (size == 0) {
        if (PyList_GET_SIZE(p->sz) == 0) {  /* sz.append(getsizeof(o)) */
            size = size_of(o);
            if (size < 0)
                return -1;
            PyObject *s = PyLong_FromLongLong(size);
            if (s == NULL)
                return -1;
            int r = PyList_Append(p->sz, s);
            Py_DECREF(s);
            if (r < 0)
                return -1;
        } else {  /* size = sz[0] */
            size = PyLong_AsLongLong(PyList_GET_ITEM(p->sz, 0));
            if (size == -1 && PyErr_Occurred())
                return -1;
        }
        p->size = size;
    }
    if (head(b, o, p->tn, size) < 0 || TB_LIT(b, ",\"rc\":") < 0 ||
        tb_i64(b, (long long)Py_REFCNT(o) - 1 - ptrmap_get(adj, o)) < 0 || tb_put(b, fl, (size_t)fl_len) < 0 ||
        TB_LIT(b, ",\"refs\":[") < 0)
        return -1;
    for (Py_ssize_t i = 0; i < rs.n - 1; i++) {
        if (TB_LIT(b, "[") < 0 || tb_id(b, v[i]) < 0 || TB_LIT(b, ",\"attr\",") < 0 ||
            tb_put(b, p->labels[i], strlen(p->labels[i])) < 0 || TB_LIT(b, "],") < 0)
            return -1;
    }
    if (TB_LIT(b, "[") < 0 || tb_id(b, v[rs.n - 1]) < 0 || TB_LIT(b, ",\"type\"]]}\n") < 0)
        return -1;
    return rs.n;
}

/* ---- the walker ---------------------------------------------------------------- */

#define TCACHE 64  /* entries of the walker's type cache; a power of two */

typedef struct {
    PyObject_HEAD
    PyObject *hmap;     /* id(type) -> handler, the walker's dict */
    PyObject *make;     /* make(t): picks, records and returns the handler for t */
    PyObject *buf;      /* output list of str */
    PyObject *pend;     /* untracked objects still to write */
    PyObject *h_tuple;  /* the handlers written here when the sequence is short */
    PyObject *h_list;
    PyObject *plain;    /* handler -> capsule(plainspec) */
    PyObject *lst;      /* generation list being walked by chunk() */
    Py_ssize_t pos;
    /* drain()'s locals while a drain is under way (NULL = unbound). */
    PyObject *d_nobj;   /* nobj: objects written by this drain() so far */
    PyObject *d_nedge;  /* nedge: running edge count */
    PyObject *d_n;      /* n: length of the last str written */
    PyObject *d_t;      /* t: type of the current item */
    plainspec *last_plain;  /* spec of the handler last looked up, or NULL */
    /* type -> (handler, plain spec), for the types seen so far (borrowed: hmap keeps
     * the handlers and is keyed by the same pointers). The generation lists alternate
     * types (the seed's tuple, Job, list...), where one last type hardly ever hits and
     * each miss made an int and looked up two dicts. */
    struct { PyTypeObject *t; PyObject *h; plainspec *p; } tcache[TCACHE];
    ptrmap skip;        /* the dumper's own objects: chunk() skips them */
    ptrmap adj;         /* references the dumper's objects hold: not in "rc" */
    ptrset seen;        /* drain()'s seen: untracked objects written, and the dumper's */
    int seen_ready;
    Py_ssize_t skipped; /* objects chunk() skipped since the last skipped() */
    textbuf out;
    int direct;         /* output(fd) was called: out goes to wr, buf is absorbed */
    writer wr;
} Walker;

static void walker_clear(Walker *w)
{
    memset(w->tcache, 0, sizeof w->tcache);  /* borrowed from hmap */
    Py_CLEAR(w->hmap);
    Py_CLEAR(w->make);
    Py_CLEAR(w->buf);
    Py_CLEAR(w->pend);
    Py_CLEAR(w->h_tuple);
    Py_CLEAR(w->h_list);
    Py_CLEAR(w->plain);
    Py_CLEAR(w->lst);
    Py_CLEAR(w->d_nobj);
    Py_CLEAR(w->d_nedge);
    Py_CLEAR(w->d_n);
    Py_CLEAR(w->d_t);
}

static void walker_dealloc(PyObject *self)
{
    Walker *w = (Walker *)self;
    writer_stop(&w->wr);
    walker_clear(w);
    ptrmap_free(&w->skip);
    ptrmap_free(&w->adj);
    ptrset_free(&w->seen);
    PyMem_Free(w->out.p);
    Py_TYPE(self)->tp_free(self);
}

/* The text written so far may leave: to the writer thread once WRITE_AT bytes are
 * gathered (direct), else to the output list as one str once `at` bytes are. */
static int out_flush(Walker *w, size_t at)
{
    if (w->direct)
        return w->out.len >= WRITE_AT ? writer_put(&w->wr, &w->out) : 0;
    return w->out.len >= at ? tb_flush(&w->out, w->buf) : 0;
}

/* The handler for type(o): hget(id(type(o))) or make(type(o)). Borrowed or NULL. */
static PyObject *handler_for(Walker *w, PyTypeObject *t, PyTypeObject **last_t,
                             PyObject **last_h)
{
    if (t == *last_t)
        return *last_h;
    PyObject *key = PyLong_FromVoidPtr(t);
    if (key == NULL)
        return NULL;
    PyObject *h = PyDict_GetItemWithError(w->hmap, key);
    Py_DECREF(key);
    if (h == NULL) {
        if (PyErr_Occurred())
            return NULL;
        PyObject *made = PyObject_CallOneArg(w->make, (PyObject *)t);
        if (made == NULL)
            return NULL;
        /* make() stored it in hmap, which keeps it alive. */
        Py_DECREF(made);
        key = PyLong_FromVoidPtr(t);
        if (key == NULL)
            return NULL;
        h = PyDict_GetItemWithError(w->hmap, key);
        Py_DECREF(key);
        if (h == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_RuntimeError, "_refgraph_accel: make() did not record");
            return NULL;
        }
    }
    *last_t = t;
    *last_h = h;
    return h;
}

/* h(o, fl) through Python with o held as the Python loop variable would hold it. */
static Py_ssize_t call_handler(Walker *w, PyObject *h, PyObject *o, PyObject *fl)
{
    /* The handler appends its text to buf: what C wrote before it goes first. */
    if (!w->direct && tb_flush(&w->out, w->buf) < 0)
        return -1;
    Py_INCREF(o);
    PyObject *args[2] = {o, fl};
    PyObject *r = PyObject_Vectorcall(h, args, 2, NULL);
    Py_DECREF(o);
    if (r == NULL)
        return -1;
    if (w->direct && tb_absorb(&w->out, w->buf) < 0) {
        Py_DECREF(r);
        return -1;
    }
    Py_ssize_t ne = PyLong_AsSsize_t(r);
    Py_DECREF(r);
    if (ne == -1 && PyErr_Occurred())
        return -1;
    return ne;
}

/* One object of a sequence: native for short exact tuples/lists, else its handler. */
static Py_ssize_t one(Walker *w, PyObject *o, PyObject *fl, const char *fl_s,
                      Py_ssize_t fl_len, PyTypeObject **last_t, PyObject **last_h)
{
    PyTypeObject *t = Py_TYPE(o);
    size_t slot = ptr_slot((uintptr_t)t, TCACHE - 1);
    PyObject *h;
    if (w->tcache[slot].t == t) {
        h = w->tcache[slot].h;
        w->last_plain = w->tcache[slot].p;
    } else {
        h = handler_for(w, t, last_t, last_h);
        if (h == NULL)
            return -1;
        PyObject *cap = PyDict_GetItemWithError(w->plain, h);
        if (cap == NULL && PyErr_Occurred())
            return -1;
        w->last_plain = cap ? PyCapsule_GetPointer(cap, "refgraph.plainspec") : NULL;
        w->tcache[slot].t = t;
        w->tcache[slot].h = h;
        w->tcache[slot].p = w->last_plain;
    }
    if (w->last_plain != NULL) {
        Py_ssize_t ne = rec_plain(&w->out, w->last_plain, o, fl_s, fl_len, w->pend, &w->adj);
        if (ne != -2)
            return ne;
    }
    Py_ssize_t ne = -2;
    if (h == w->h_tuple && PyTuple_CheckExact(o) && PyTuple_GET_SIZE(o) <= INLINE_SEQ)
        ne = rec_seq(&w->out, o, 1, fl_s, fl_len, w->pend, &w->adj, &w->skip);
    else if (h == w->h_list && PyList_CheckExact(o) && PyList_GET_SIZE(o) <= INLINE_SEQ)
        ne = rec_seq(&w->out, o, 0, fl_s, fl_len, w->pend, &w->adj, &w->skip);
    if (ne != -2)
        return ne;
    return call_handler(w, h, o, fl);
}

static int walker_init(PyObject *self, PyObject *args, PyObject *kw)
{
    Walker *w = (Walker *)self;
    PyObject *hmap, *make, *buf, *pend, *h_tuple, *h_list, *skip, *adj;
    if (!PyArg_ParseTuple(args, "O!OO!O!OOOO!:Walker", &PyDict_Type, &hmap, &make, &PyList_Type,
                          &buf, &PyList_Type, &pend, &h_tuple, &h_list, &skip,
                          &PyDict_Type, &adj))
        return -1;
    if (!PyAnySet_Check(skip)) {
        PyErr_SetString(PyExc_TypeError, "Walker: skip must be a set of ids");
        return -1;
    }
    walker_clear(w);
    ptrset_free(&w->seen);
    w->seen_ready = 0;
    if (ptrmap_build(&w->skip, skip) < 0 || ptrmap_build(&w->adj, adj) < 0)
        return -1;
    w->skipped = 0;
    w->hmap = Py_NewRef(hmap);
    w->make = Py_NewRef(make);
    w->buf = Py_NewRef(buf);
    w->pend = Py_NewRef(pend);
    w->h_tuple = Py_NewRef(h_tuple);
    w->h_list = Py_NewRef(h_list);
    w->plain = PyDict_New();
    w->pos = 0;
    return w->plain ? 0 : -1;
}

static PyObject *walker_start(PyObject *self, PyObject *lst)
{
    Walker *w = (Walker *)self;
    if (lst != Py_None && !PyList_CheckExact(lst)) {
        PyErr_SetString(PyExc_TypeError, "start() needs a list or None");
        return NULL;
    }
    Py_CLEAR(w->lst);
    if (lst != Py_None)
        w->lst = Py_NewRef(lst);
    w->pos = 0;
    Py_RETURN_NONE;
}

static PyObject *walker_more(PyObject *self, PyObject *unused)
{
    Walker *w = (Walker *)self;
    return PyBool_FromLong(w->lst != NULL && w->pos < PyList_GET_SIZE(w->lst));
}

/* chunk(fl): loop()'s inner `for o in islice(it, _CHUNK)` over the started list. */
static PyObject *walker_chunk(PyObject *self, PyObject *fl)
{
    Walker *w = (Walker *)self;
    Py_ssize_t fl_len;
    const char *fl_s;
    if (w->lst == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "chunk() before start()");
        return NULL;
    }
    if (!PyUnicode_Check(fl) || !PyUnicode_IS_ASCII(fl)) {
        PyErr_SetString(PyExc_TypeError, "chunk() needs an ASCII str");
        return NULL;
    }
    fl_s = (const char *)PyUnicode_DATA(fl);
    fl_len = PyUnicode_GET_LENGTH(fl);
    PyTypeObject *last_t = NULL;
    PyObject *last_h = NULL;
    Py_ssize_t nedge = 0;
    Py_ssize_t end = w->pos + 2048;  /* refgraph_dump._CHUNK */
    if (w->direct && tb_absorb(&w->out, w->buf) < 0)
        return NULL;
    while (w->pos < end && w->pos < PyList_GET_SIZE(w->lst)) {
        PyObject *o = PyList_GET_ITEM(w->lst, w->pos);
        w->pos++;
        if (ptrmap_get(&w->skip, o)) {
            w->skipped++;
            continue;
        }
        Py_ssize_t ne = one(w, o, fl, fl_s, fl_len, &last_t, &last_h);
        if (ne < 0)
            return NULL;
        nedge += ne;
    }
    if (out_flush(w, 0) < 0)
        return NULL;
    return PyLong_FromSsize_t(nedge);
}

/* The body of drain()'s `for x in batch` loop. */
static int run_batch(Walker *w, PyObject *batch)
{
    PyTypeObject *last_t = NULL;
    PyObject *last_h = NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(batch); i++) {
        PyObject *x = PyList_GET_ITEM(batch, i);
        PyTypeObject *t = Py_TYPE(x);
        Py_INCREF(t);
        Py_XSETREF(w->d_t, (PyObject *)t);  /* t = type(x) */
        int r;
        if (t == &PyLong_Type) {
            r = rec_int(&w->out, x, &w->adj);
        } else if (t == &PyUnicode_Type) {
            PyObject *n = PyLong_FromSsize_t(PyUnicode_GET_LENGTH(x));  /* n = len(x) */
            if (n == NULL)
                return -1;
            Py_XSETREF(w->d_n, n);
            r = rec_str(&w->out, x, &w->adj);
        } else if (t == &PyFloat_Type) {
            r = rec_float(&w->out, x, &w->adj);
        } else if (t == &PyBytes_Type) {
            /* The Python loop calls the handler, made on first use: make() runs at the
             * same moment here (the handler's closure holds shared objects). */
            if (handler_for(w, t, &last_t, &last_h) == NULL)
                return -1;
            r = rec_bytes(&w->out, x, &w->adj);
        } else {
            /* Untracked objects carry no "gc" flag. */
            Py_ssize_t ne = one(w, x, empty_str, "", 0, &last_t, &last_h);
            if (ne < 0)
                return -1;
            r = 0;
            /* nedge += ne.  Adding 0 leaves a small int the same object, and a large
             * one is never in the snapshot, so only a change needs a new object. */
            if (ne) {
                PyObject *sum = PyLong_FromSsize_t(PyLong_AsSsize_t(w->d_nedge) + ne);
                if (sum == NULL)
                    return -1;
                Py_SETREF(w->d_nedge, sum);
            }
        }
        if (r < 0)
            return -1;
        if (out_flush(w, FLUSH_AT) < 0)
            return -1;
    }
    return out_flush(w, 0);
}

/* seen starts as the dumper's own ids (the skip table), as drain()'s set(own) does. */
static int seen_init(Walker *w)
{
    if (w->seen_ready)
        return 0;
    for (size_t i = 0; w->skip.mask && i <= w->skip.mask; i++)
        if (w->skip.keys[i] != 0 && ptrset_add(&w->seen, (void *)w->skip.keys[i]) < 0)
            return -1;
    w->seen_ready = 1;
    return 0;
}

/* drain(keep): refgraph_dump's _Walker.drain(): while pend holds objects, take them
 * (first occurrences, leaving out those already written), write the batch, append it
 * to keep. Returns (objects, edges). The locals of the Python loop that can be shared
 * objects in the snapshot are held here, at the same moments: nobj, nedge, t, n (and
 * x: the batch list and one()'s own reference stand for the loop variable). */
static PyObject *walker_drain(PyObject *self, PyObject *keep)
{
    Walker *w = (Walker *)self;
    if (!PyList_CheckExact(keep) || w->pend == NULL) {
        PyErr_SetString(PyExc_TypeError, "drain() needs a list, on an open walker");
        return NULL;
    }
    if (seen_init(w) < 0 || (w->direct && tb_absorb(&w->out, w->buf) < 0))
        return NULL;
    Py_XSETREF(w->d_nobj, PyLong_FromLong(0));   /* nobj = 0 */
    Py_XSETREF(w->d_nedge, PyLong_FromLong(0));  /* nedge = 0 */
    Py_CLEAR(w->d_n);
    Py_CLEAR(w->d_t);
    PyObject *ret = NULL;
    while (PyList_GET_SIZE(w->pend) > 0) {
        Py_ssize_t np = PyList_GET_SIZE(w->pend);
        PyObject *batch = PyList_New(0);
        if (batch == NULL)
            goto done;
        for (Py_ssize_t i = 0; i < np; i++) {
            PyObject *o = PyList_GET_ITEM(w->pend, i);
            /* The table is larger than the caches: ask for a later item's slot now. */
#if defined(__GNUC__)
            if (i + 8 < np && w->seen.keys != NULL)
                __builtin_prefetch(&w->seen.keys[ptr_slot(
                    (uintptr_t)PyList_GET_ITEM(w->pend, i + 8), w->seen.mask)]);
#endif
            int r = ptrset_add(&w->seen, o);
            if (r < 0 || (r && PyList_Append(batch, o) < 0)) {
                Py_DECREF(batch);
                goto done;
            }
        }
        if (PyList_SetSlice(w->pend, 0, np, NULL) < 0 || run_batch(w, batch) < 0) {
            Py_DECREF(batch);
            goto done;
        }
        /* nobj += len(batch) */
        PyObject *sum = PyLong_FromSsize_t(PyLong_AsSsize_t(w->d_nobj) + PyList_GET_SIZE(batch));
        if (sum == NULL) {
            Py_DECREF(batch);
            goto done;
        }
        Py_SETREF(w->d_nobj, sum);
        int r = PyList_Append(keep, batch);
        Py_DECREF(batch);
        if (r < 0)
            goto done;
    }
    ret = PyTuple_Pack(2, w->d_nobj, w->d_nedge);
done:
    /* drain() returns: its locals go. */
    Py_CLEAR(w->d_nobj);
    Py_CLEAR(w->d_nedge);
    Py_CLEAR(w->d_n);
    Py_CLEAR(w->d_t);
    return ret;
}

/* plain(h, t, tn, labels, single_dict, sz): h is h_instance_t's fast handler for t. */
static PyObject *walker_plain(PyObject *self, PyObject *args)
{
    Walker *w = (Walker *)self;
    PyObject *h, *t, *tn, *labels, *sz;
    int single_dict;
    if (!PyArg_ParseTuple(args, "OO!UO!pO!:plain", &h, &PyType_Type, &t, &tn, &PyTuple_Type,
                          &labels, &single_dict, &PyList_Type, &sz))
        return NULL;
    if (w->plain == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "plain() on a closed walker");
        return NULL;
    }
    Py_ssize_t nl = PyTuple_GET_SIZE(labels);
    if (nl + 1 > PLAIN_MAX + 1)
        Py_RETURN_NONE;  /* more names than shared keys hold: leave it to h */
    plainspec *p = PyMem_Calloc(1, sizeof *p);
    if (p == NULL)
        return PyErr_NoMemory();
    PyObject *cap = PyCapsule_New(p, "refgraph.plainspec", plainspec_free);
    if (cap == NULL) {
        PyMem_Free(p);
        return NULL;
    }
    p->t = (PyTypeObject *)t;
    p->sz = Py_NewRef(sz);
    p->n1 = nl + 1;
    p->single_dict = single_dict;
    p->labels = PyMem_Calloc((size_t)nl + 1, sizeof(char *));
    if (p->labels == NULL) {
        p->n1 = 1;
        PyErr_NoMemory();
        goto fail;
    }
    if ((p->tn = copy_ascii(tn)) == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < nl; i++) {
        if ((p->labels[i] = copy_ascii(PyTuple_GET_ITEM(labels, i))) == NULL)
            goto fail;
    }
    if (PyDict_SetItem(w->plain, h, cap) < 0)
        goto fail;
    Py_DECREF(cap);
    w->last_plain = NULL;
    memset(w->tcache, 0, sizeof w->tcache);
    Py_RETURN_NONE;
fail:
    Py_DECREF(cap);
    return NULL;
}

/* skipped(): how many of the dumper's own objects chunk() skipped; resets the count. */
static PyObject *walker_skipped(PyObject *self, PyObject *unused)
{
    Walker *w = (Walker *)self;
    Py_ssize_t n = w->skipped;
    w->skipped = 0;
    return PyLong_FromSsize_t(n);
}

/* output(fd): from now on the walk writes its text to fd itself, from a thread (see
 * "the writer thread"); emit(list) takes the Python handlers' text. */
static PyObject *walker_output(PyObject *self, PyObject *arg)
{
    Walker *w = (Walker *)self;
    int fd = PyObject_AsFileDescriptor(arg);
    if (fd < 0)
        return NULL;
    if (w->direct || w->buf == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "output() twice, or on a closed walker");
        return NULL;
    }
    if (tb_flush(&w->out, w->buf) < 0 || writer_start(&w->wr, fd) < 0)
        return NULL;
    w->direct = 1;
    Py_RETURN_NONE;
}

/* emit(list): refgraph_dump's emit(lines) after output(): the text of the str objects
 * in list goes after what the walk wrote so far; list is emptied. */
static PyObject *walker_emit(PyObject *self, PyObject *list)
{
    Walker *w = (Walker *)self;
    if (!w->direct || !PyList_CheckExact(list)) {
        PyErr_SetString(PyExc_TypeError, "emit() needs a list, after output()");
        return NULL;
    }
    if (tb_absorb(&w->out, list) < 0 || out_flush(w, 0) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* long_seq(head, items): after output(), refgraph_dump's long_record(head,
 * iter(items), seq_chunk) for a long sequence's copy (tuple or list): the record's
 * head, then [id,"index",i] per item but the dumper's own (the index goes on from the
 * real position), and the untracked items queued in pend. Returns the edge count. No
 * Python code runs meanwhile, so no other thread can change items. */
static PyObject *walker_long_seq(PyObject *self, PyObject *args)
{
    Walker *w = (Walker *)self;
    PyObject *head, *items;
    if (!PyArg_ParseTuple(args, "UO:long_seq", &head, &items))
        return NULL;
    if (!w->direct || !(PyTuple_CheckExact(items) || PyList_CheckExact(items))) {
        PyErr_SetString(PyExc_TypeError, "long_seq() needs a tuple or list, after output()");
        return NULL;
    }
    if (tb_absorb(&w->out, w->buf) < 0)
        return NULL;
    PyObject *one_head = PyList_New(1);  /* head's text as tb_absorb writes any str */
    if (one_head == NULL)
        return NULL;
    PyList_SET_ITEM(one_head, 0, Py_NewRef(head));
    int r = tb_absorb(&w->out, one_head);
    Py_DECREF(one_head);
    if (r < 0)
        return NULL;
    Py_ssize_t ne = 0;
    for (Py_ssize_t i = 0; i < Py_SIZE(items); i++) {
        PyObject *it = PyTuple_CheckExact(items) ? PyTuple_GET_ITEM(items, i)
                                                 : PyList_GET_ITEM(items, i);
        if (!is_tracked(it) && PyList_Append(w->pend, it) < 0)
            return NULL;
        if (ptrmap_get(&w->skip, it))
            continue;
        if ((ne && TB_LIT(&w->out, ",") < 0) || TB_LIT(&w->out, "[") < 0 ||
            tb_id(&w->out, it) < 0 || TB_LIT(&w->out, ",\"index\",") < 0 ||
            tb_u64(&w->out, (unsigned long long)i) < 0 || TB_LIT(&w->out, "]") < 0)
            return NULL;
        ne++;
        if (out_flush(w, 0) < 0)
            return NULL;
    }
    if (TB_LIT(&w->out, "]}\n") < 0 || out_flush(w, 0) < 0)
        return NULL;
    return PyLong_FromSsize_t(ne);
}

/* dict_parts(items, parts, key_label): refgraph_dump's _Walker.dict_parts loop over
 * (key, value) pairs (the dumper's own already left out): appends one str
 * '[id(v),"value",L],[id(k),"key",L]' per pair to parts, L being the JSON of the key's
 * repr (built here for an exact str key, as _key_label does; key_label(k) for any
 * other), and queues the untracked value, then key, in pend. Returns the pair count. */
static PyObject *walker_dict_parts(PyObject *self, PyObject *args)
{
    Walker *w = (Walker *)self;
    PyObject *items, *parts, *key_label;
    if (!PyArg_ParseTuple(args, "OO!O:dict_parts", &items, &PyList_Type, &parts, &key_label))
        return NULL;
    if (!(PyTuple_CheckExact(items) || PyList_CheckExact(items)) || w->pend == NULL) {
        PyErr_SetString(PyExc_TypeError, "dict_parts() needs a tuple or list, on an open walker");
        return NULL;
    }
    textbuf lab = {NULL, 0, 0}, t = {NULL, 0, 0};
    PyObject *ret = NULL;
    Py_ssize_t n = Py_SIZE(items);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *kv = PyTuple_CheckExact(items) ? PyTuple_GET_ITEM(items, i)
                                                 : PyList_GET_ITEM(items, i);
        if (!PyTuple_CheckExact(kv) || PyTuple_GET_SIZE(kv) != 2) {
            PyErr_SetString(PyExc_TypeError, "dict_parts(): items must be (key, value) pairs");
            goto done;
        }
        PyObject *k = PyTuple_GET_ITEM(kv, 0), *v = PyTuple_GET_ITEM(kv, 1);
        lab.len = 0;
        if (PyUnicode_CheckExact(k)) {  /* _jstr(_bounded(str.__repr__(k[:120]))) */
            PyObject *r;
            if (PyUnicode_GET_LENGTH(k) <= REPR_MAX) {
                r = PyUnicode_Type.tp_repr(k);
            } else {
                PyObject *cut = PyUnicode_Substring(k, 0, REPR_MAX);
                if (cut == NULL)
                    goto done;
                r = PyUnicode_Type.tp_repr(cut);
                Py_DECREF(cut);
            }
            if (r == NULL)
                goto done;
            Py_ssize_t rn = PyUnicode_GET_LENGTH(r);
            int e = rn > REPR_MAX ? (tb_json_body(&lab, r, REPR_MAX - 3) < 0 ||
                                     TB_LIT(&lab, "...\"") < 0)
                                  : (tb_json_body(&lab, r, rn) < 0 || TB_LIT(&lab, "\"") < 0);
            Py_DECREF(r);
            if (e)
                goto done;
        } else {
            PyObject *l = PyObject_CallOneArg(key_label, k);
            if (l == NULL)
                goto done;
            int e = tb_ascii(&lab, l);
            Py_DECREF(l);
            if (e < 0)
                goto done;
        }
        t.len = 0;
        if (TB_LIT(&t, "[") < 0 || tb_id(&t, v) < 0 || TB_LIT(&t, ",\"value\",") < 0 ||
            tb_put(&t, lab.p, lab.len) < 0 || TB_LIT(&t, "],[") < 0 || tb_id(&t, k) < 0 ||
            TB_LIT(&t, ",\"key\",") < 0 || tb_put(&t, lab.p, lab.len) < 0 || TB_LIT(&t, "]") < 0)
            goto done;
        PyObject *part = PyUnicode_New((Py_ssize_t)t.len, 127);
        if (part == NULL)
            goto done;
        memcpy(PyUnicode_DATA(part), t.p, t.len);
        int e = PyList_Append(parts, part);
        Py_DECREF(part);
        if (e < 0 || (!is_tracked(v) && PyList_Append(w->pend, v) < 0) ||
            (!is_tracked(k) && PyList_Append(w->pend, k) < 0))
            goto done;
    }
    ret = PyLong_FromSsize_t(n);
done:
    PyMem_Free(lab.p);
    PyMem_Free(t.p);
    return ret;
}

/* close(): drop every reference; after output(), write what is left and wait for the
 * writer thread, raising the OSError of a failed write. */
static PyObject *walker_close(PyObject *self, PyObject *unused)
{
    Walker *w = (Walker *)self;
    int e = 0;
    if (w->direct) {
        w->direct = 0;
        if (w->out.len > 0 && writer_put(&w->wr, &w->out) < 0)
            PyErr_Clear();  /* the same error comes back from writer_stop */
        e = writer_stop(&w->wr);
        w->out.len = 0;
    }
    walker_clear(w);
    if (e) {
        writer_raise(e);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef walker_methods[] = {
    {"start", walker_start, METH_O, "start(list or None): walk this generation list"},
    {"more", walker_more, METH_NOARGS, "more(): items left in the started list"},
    {"chunk", walker_chunk, METH_O, "chunk(flags): write the next 2048 items; edges"},
    {"drain", walker_drain, METH_O, "drain(keep): write what pend holds, and what it reaches; (objects, edges)"},
    {"plain", walker_plain, METH_VARARGS, "plain(h, t, tn, labels, single_dict, sz)"},
    {"skipped", walker_skipped, METH_NOARGS, "skipped(): own objects chunk() skipped"},
    {"output", walker_output, METH_O, "output(fd): write the text to fd from a thread"},
    {"emit", walker_emit, METH_O, "emit(list): write (after output()) and empty list"},
    {"dict_parts", walker_dict_parts, METH_VARARGS, "dict_parts(items, parts, key_label): a dict's edges as _Walker.dict_parts writes them"},
    {"long_seq", walker_long_seq, METH_VARARGS, "long_seq(head, items): a long sequence's record (after output()); edges"},
    {"close", walker_close, METH_NOARGS, "close(): finish the output; drop every reference"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WalkerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_refgraph_accel.Walker",
    .tp_basicsize = sizeof(Walker),
    .tp_dealloc = walker_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Walker(hmap, make, buf, pend, h_tuple, h_list, skip, adj): refgraph_dump's "
              "inner loops",
    .tp_methods = walker_methods,
    .tp_init = walker_init,
    .tp_new = PyType_GenericNew,
};

/* ---- module -------------------------------------------------------------------- */

static PyObject *mod_set_enabled(PyObject *self, PyObject *arg)
{
    int v = PyObject_IsTrue(arg);
    if (v < 0)
        return NULL;
    accel_enabled = v;
    Py_RETURN_NONE;
}

static int ptrset_has(const ptrset *s, const void *p)
{
    uintptr_t k = (uintptr_t)p;
    if (s->keys == NULL)
        return 0;
    for (size_t i = ptr_slot(k, s->mask);; i = (i + 1) & s->mask) {
        if (s->keys[i] == k)
            return 1;
        if (s->keys[i] == 0)
            return 0;
    }
}

static int visit_target(PyObject *r, void *arg)
{
    return ptrset_has(arg, r);  /* non-zero stops the traversal: o refers to a target */
}

/* referrers(objs): gc.get_referrers(*objs), with the targets in a table of pointers:
 * gc's own version compares each referent with every target in turn, and
 * refgraph_dump._own_objects() asks for the referrers of a few hundred objects (its
 * functions and classes) across the whole heap when the runner is active. The
 * objects come in gc.get_objects()'s order, which is get_referrers' order. */
static PyObject *mod_referrers(PyObject *self, PyObject *objs)
{
    if (!PyTuple_Check(objs) && !PyList_Check(objs)) {
        PyErr_SetString(PyExc_TypeError, "referrers() needs a tuple or list");
        return NULL;
    }
    ptrset targets = {NULL, 0, 0};
    PyObject *all = NULL, *out = NULL;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(objs); i++) {
        if (ptrset_add(&targets, PySequence_Fast_GET_ITEM(objs, i)) < 0)
            goto done;
    }
    PyObject *gc = PyImport_ImportModule("gc");
    if (gc == NULL)
        goto done;
    all = PyObject_CallMethod(gc, "get_objects", NULL);
    Py_DECREF(gc);
    if (all == NULL || !PyList_Check(all) || (out = PyList_New(0)) == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(all); i++) {
        PyObject *o = PyList_GET_ITEM(all, i);
        traverseproc trav = Py_TYPE(o)->tp_traverse;
        if (o == all || o == objs || trav == NULL || targets.keys == NULL)
            continue;
        if (trav(o, visit_target, &targets) && PyList_Append(out, o) < 0) {
            Py_CLEAR(out);
            goto done;
        }
    }
done:
    Py_XDECREF(all);  /* before any refcount is read again: it held every object */
    ptrset_free(&targets);
    return out;
}

/* _float_repr(x): the record's repr of float x (for the tests). */
static PyObject *mod_float_repr(PyObject *self, PyObject *x)
{
    if (!PyFloat_CheckExact(x)) {
        PyErr_SetString(PyExc_TypeError, "_float_repr() needs a float");
        return NULL;
    }
    textbuf b = {NULL, 0, 0};
    if (tb_float_repr(&b, x) < 0) {
        PyMem_Free(b.p);
        return NULL;
    }
    PyObject *r = PyUnicode_DecodeASCII(b.p, (Py_ssize_t)b.len, NULL);
    PyMem_Free(b.p);
    return r;
}

/* _fast_sizes(): whether the sizes of exact int, str, tuple and list are computed here. */
static PyObject *mod_fast_sizes(PyObject *self, PyObject *unused)
{
    return PyBool_FromLong(gc_head >= 0);
}

static PyObject *mod_enabled(PyObject *self, PyObject *unused)
{
    return PyBool_FromLong(accel_enabled);
}

static PyMethodDef mod_methods[] = {
    {"set_enabled", mod_set_enabled, METH_O,
     "set_enabled(flag): let refgraph_dump use this module (a C flag, so that flipping it "
     "changes no Python object between two dumps)"},
    {"enabled", mod_enabled, METH_NOARGS, "enabled(): see set_enabled"},
    {"referrers", mod_referrers, METH_O,
     "referrers(objs): gc.get_referrers(*objs), with a table of pointers for the targets"},
    {"_float_repr", mod_float_repr, METH_O, "_float_repr(x): the repr a record gives float x"},
    {"_fast_sizes", mod_fast_sizes, METH_NOARGS, "_fast_sizes(): sizes computed without getsizeof"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef accel_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_refgraph_accel",
    .m_doc = "Optional C inner loops for refgraph_dump.py (identical output).",
    .m_size = -1,
    .m_methods = mod_methods,
};

PyMODINIT_FUNC PyInit__refgraph_accel(void)
{
    if (PyType_Ready(&WalkerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&accel_module);
    if (m == NULL)
        return NULL;
    if (empty_str == NULL)
        empty_str = PyUnicode_FromStringAndSize(NULL, 0);
#if NEED_SYS_GETSIZEOF
    if (sys_getsizeof == NULL) {
        sys_getsizeof = PySys_GetObject("getsizeof");  /* borrowed from sys */
        Py_XINCREF(sys_getsizeof);
    }
    if (sys_getsizeof == NULL) {
        PyErr_SetString(PyExc_ImportError, "_refgraph_accel: sys.getsizeof is missing");
        Py_DECREF(m);
        return NULL;
    }
#endif
    if (empty_str == NULL || fast_sizes_check() < 0 ||
        PyModule_AddIntConstant(m, "API", 4) < 0 ||
        PyModule_AddObjectRef(m, "Walker", (PyObject *)&WalkerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

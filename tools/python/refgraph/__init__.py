"""refgraph: what is keeping these objects alive? librefgraph from Python.

    >>> import refgraph
    >>> snap = refgraph.open("snaps")            # a snapshot file, or a directory: the newest
    >>> print(snap.suspects()[0])                # ranked leak suspects
    >>> snap.chain(type="Job")                   # root → .jobs → .queue → [i] → [2] Job
    >>> snap.backrefs(type="Job")                # a Diagram: .svg .dot .png, inline in Jupyter
    >>> refgraph.diff("snaps").verdict           # what grows across a series
    >>> snap.report("out")                       # out/report.md, out/report.html

The analyses run in librefgraph (a CPython extension, refgraph._core) with the GIL
released; a Snapshot holds the library's compact graph, not a Python object per heap
object. Results are plain dataclasses; lists of them are Tables, which render as HTML in
Jupyter. Failures raise refgraph.Error with the library's message, file, line and byte
offset. docs/python.md has the whole API and a worked example.

The dumper is here too: refgraph.dump(path) is refgraph_dump.dump.
"""
import builtins
import html
import os
import re
from dataclasses import dataclass, field, fields
from typing import Iterator, List, Optional, Sequence

import refgraph_dump
from refgraph_dump import dump

from . import _core

__all__ = ["open", "diff", "report", "dump", "snapshot_files", "Error", "Snapshot", "Table",
           "TypeStat", "Object", "Hop", "Chain", "Diagram", "Suspect", "Dominator", "Growth",
           "Verdict", "Diff", "Report"]
__version__ = "0.1.0"

if hasattr(refgraph_dump, "install"):  # where the dumper has it (issue 16)
    install = refgraph_dump.install
    __all__.append("install")

ARROW = " \u2192 "


def library_version():
    """The version of the librefgraph this module is linked with."""
    return _core.version()


# ------------------------------------------------------------------ errors

# librefgraph's rg_error codes (refgraph/common.h); -1 is never one.
_KINDS = {-2: "io", -3: "format", -4: "version", -5: "nomem", -6: "invalid", -7: "notfound",
          -8: "limit", -9: "render"}
_ENOTFOUND = -7
_EINVAL = -6


class Error(Exception):
    """A librefgraph failure. `message` is the library's text, which names the file and,
    for a bad input, the line and byte offset; `file`, `line` and `offset` are those,
    parsed out (None when the message has none); `code` is the rg_error code and `kind`
    its name ("io", "format", "version", "nomem", "invalid", "notfound", "limit",
    "render")."""

    def __init__(self, message, code=0, file=""):
        super().__init__(message)
        self.message = message
        self.code = code
        self.kind = _KINDS.get(code, "error")
        self.file = file or None
        self.line = None
        self.offset = None
        rest = message[len(file):] if file and message.startswith(file) else None
        m = re.match(r":(\d+): byte (\d+): ", rest) if rest is not None else None
        if m:
            self.line, self.offset = int(m.group(1)), int(m.group(2))
        else:
            m = re.search(r"\bbyte (\d+)\b", message)
            if m:
                self.offset = int(m.group(1))


_core._set_error_class(Error)


# ---------------------------------------------------------------- helpers

def fmt_count(n):
    return "{:,}".format(n)


def fmt_bytes(n):
    """Bytes the way the CLI prints them: powers of 1000, three significant digits."""
    n = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            if unit == "B":
                return "%d B" % n
            return ("%.3g %s" % (n, unit)) if abs(n) < 100 else ("%.0f %s" % (n, unit))
        n /= 1000.0
    return "%d B" % n  # not reached


class Table(list):
    """A list of results that renders as an HTML table in Jupyter (_repr_html_)."""

    def _repr_html_(self):
        if not self:
            return "<p><em>(none)</em></p>"
        cols = getattr(self[0], "_columns", None) or [f.name for f in fields(self[0])]
        head = "".join("<th>%s</th>" % html.escape(c) for c in cols)
        rows = []
        for row in self:
            cells = []
            for c in cols:
                v = getattr(row, c)
                if isinstance(v, float):
                    v = "%.3g" % v
                elif isinstance(v, int) and not isinstance(v, bool):
                    v = fmt_count(v)
                cells.append("<td>%s</td>" % html.escape("" if v is None else str(v)))
            rows.append("<tr>%s</tr>" % "".join(cells))
        return "<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>" % (head, "".join(rows))


SNAPSHOT_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".heapsnapshot", ".json")


def snapshot_files(directory):
    """The snapshot files in a directory, in name order (the dumper names them
    snap-NNNN-<unixtime>, so that is time order). Hidden files (the dumper's
    temporaries) and other files are left out. A directory with no snapshots of
    its own stands for its newest run-<pid>-<start>/ (the dumper writes one per
    run), as for the CLI."""
    names = sorted(n for n in os.listdir(directory)
                   if not n.startswith(".") and n.endswith(SNAPSHOT_SUFFIXES)
                   and os.path.isfile(os.path.join(directory, n)))
    if not names:
        runs = [os.path.join(directory, n) for n in os.listdir(directory)
                if n.startswith("run-") and os.path.isdir(os.path.join(directory, n))]
        runs = [r for r in runs if any(f.endswith(SNAPSHOT_SUFFIXES) for f in os.listdir(r))]
        if runs:
            # As the CLI: the latest start time (run-<pid>-<UTC start>), then
            # the latest change.
            def newest(r):
                parts = os.path.basename(r).split("-", 2)
                return (parts[2] if len(parts) == 3 else "", os.path.getmtime(r), r)
            return snapshot_files(max(runs, key=newest))
    return [os.path.join(directory, n) for n in names]


def _expand(paths):
    """A path, a directory or a list of either -> snapshot files."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    out = []
    for p in paths:
        p = os.fspath(p)
        out.extend(snapshot_files(p) if os.path.isdir(p) else [p])
    return out


# ------------------------------------------------------------ data model

@dataclass(frozen=True)
class TypeStat:
    name: str
    count: int
    bytes: int


@dataclass(frozen=True)
class Object:
    """One object of the snapshot. `node` is its index in the library's graph."""
    node: int
    id: int
    type: str
    size: int
    length: Optional[int]
    refcount: Optional[int]
    repr: str
    name: str

    def __str__(self):
        s = self.type
        if self.name:
            s += " '%s'" % self.name
        elif self.repr:
            s += " " + self.repr
        return s


@dataclass(frozen=True)
class Hop:
    """One reference of a chain: `label` as a person writes it (".jobs", "[3]",
    "['k']", "<cell 'x'>", "frame local 'x'") and the object it leads to."""
    label: str
    object: Object

    def __str__(self):
        return "%s %s" % (self.label, self.object.type)


@dataclass(frozen=True)
class Chain:
    """What keeps `target` alive. Reachable: `root_kind`/`root_label` name the root
    record ("module", "__main__"), `root` is its object and `hops` lead from it to the
    target. Unreachable: `why` says why no root reaches it ("cycle", "outside-heap",
    "from-cycle", "excluded-edges", "unexplained") and `hops` lead from the holder.
    `count` objects share this chain's shape (1 for chain(id=...))."""
    target: Object
    why: str
    root_kind: str
    root_label: str
    root: Optional[Object]
    hops: List[Hop]
    count: int = 1
    bytes: int = 0
    _columns = ("count", "bytes", "why", "path")

    @property
    def reachable(self):
        return self.why == "reachable"

    @property
    def path(self):
        return str(self)

    def __str__(self):
        if self.reachable:
            head = self.root_kind + (" " + self.root_label if self.root_label else "")
            if self.root is not None and self.root.type != self.root_kind:
                head += " " + self.root.type
        else:
            head = "(%s) %s" % (self.why, (self.root or self.target).type)
        return head + "".join(ARROW + str(h) for h in self.hops)


class Diagram:
    """A Graphviz diagram of referrers (backrefs) or referents (refs). `.dot`, `.svg`
    and `.png` are bytes, rendered on first use with the GIL released; in Jupyter it
    shows inline (_repr_svg_). `note` says what was left out."""

    def __init__(self, core_diagram):
        self._d = core_diagram
        self._cache = {}
        st = core_diagram.stats()
        self.note = st.pop("note")
        self.stats = st

    def render(self, fmt):
        """Bytes in `fmt`: "dot", "svg", "png" or "pdf"."""
        if fmt not in self._cache:
            self._cache[fmt] = self._d.render(fmt)
        return self._cache[fmt]

    @property
    def dot(self):
        return self.render("dot")

    @property
    def svg(self):
        return self.render("svg")

    @property
    def png(self):
        return self.render("png")

    def save(self, path):
        """Write the diagram to `path`, in the format its extension names."""
        ext = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or "svg"
        data = self.render({"gv": "dot"}.get(ext, ext))
        tmp = "%s.tmp-%d" % (path, os.getpid())
        with builtins.open(tmp, "wb") as f:  # this module's open() loads snapshots
            f.write(data)
        os.replace(tmp, path)

    def _repr_svg_(self):
        return self.svg.decode("utf-8")

    def __repr__(self):
        return "<refgraph.Diagram %d objects, %d edges%s>" % (
            self.stats["nodes"], self.stats["edges"], (": " + self.note) if self.note else "")


@dataclass(frozen=True)
class Suspect:
    """A leak suspect, best first. cause "retained": `count` objects of `type` kept
    alive by one chain shape (`path`), accumulating in `container` (reached by
    `container_path`); "cycle": unreachable reference cycles of shape `type`;
    "outside": objects of `type` held by references from outside the heap."""
    rank: int
    cause: str
    type: str
    count: int
    retained_bytes: int
    share: float
    significant: bool
    path: Optional[str] = None
    container: Optional[Object] = None
    container_path: Optional[str] = None
    container_retained: int = 0
    shallow_bytes: int = 0
    signature: str = ""
    example: Optional[Chain] = None
    _columns = ("rank", "cause", "type", "count", "retained_bytes", "share", "container", "path")

    def __str__(self):
        head = {"retained": "%s \u00d7 %s kept alive by one chain shape",
                "cycle": "%s objects on unreachable reference cycles of %s",
                "outside": "%s \u00d7 %s held by references from outside the heap"}[self.cause] % (
            fmt_count(self.count), self.type)
        s = "#%d %s: %s retained (%.1f%% of the heap)" % (
            self.rank, head, fmt_bytes(self.retained_bytes), 100.0 * self.share)
        if self.container is not None:
            s += "; they accumulate in %s (id %d), reached by %s" % (
                self.container.type, self.container.id, self.container_path)
        if self.path:
            s += "; path: " + self.path
        return s


@dataclass(frozen=True)
class Dominator:
    """An object and the bytes freeing it would free (its retained size)."""
    object: Object
    retained_bytes: int
    _columns = ("object", "retained_bytes")


@dataclass(frozen=True)
class Growth:
    """A type (or a retention group, `is_group`) across a series: its count and bytes
    at every point, in time order, and the flags refgraph diff sets."""
    name: str
    is_group: bool
    counts: List[int]
    bytes: List[int]
    retained: Optional[List[int]]
    count_delta: int
    bytes_delta: int
    monotonic: bool
    significant: bool
    growing: bool
    container: str = ""
    member: str = ""
    signature: str = ""
    _columns = ("name", "counts", "count_delta", "bytes_delta", "growing")


@dataclass(frozen=True)
class Verdict:
    """refgraph diff's verdict: kind "group" (a retention group grew: `growth` names its
    path and container), "type" (a type grew and no group explains it) or "none";
    `confirmed` when monotonic over three or more snapshots. `text` is the sentence;
    `leak` the judgement."""
    kind: str
    confirmed: bool
    text: str
    growth: Optional[Growth]
    leak: bool = False
    """True when something grew at every step: refgraph diff's judgement, as the
    library gives it (the pytest plugin fails a test on it)."""

    def __str__(self):
        return self.text


@dataclass(frozen=True)
class Diff:
    """Growth across a series of snapshots (refgraph diff). `sources` in time order."""
    sources: List[str]
    warnings: List[str]
    types: Table
    groups: Table
    verdict: Verdict
    span_seconds: float

    def __str__(self):
        return self.verdict.text


@dataclass(frozen=True)
class Report:
    """A report written by Snapshot.report / refgraph.report: `directory` holds
    report.md, report.html and the diagrams; `summary` is its Summary section."""
    directory: str
    summary: str
    diagrams: List[str] = field(default_factory=list)

    @property
    def markdown(self):
        return os.path.join(self.directory, "report.md")

    @property
    def html(self):
        return os.path.join(self.directory, "report.html")

    def __str__(self):
        return self.summary


def _growth(d):
    if d is None:
        return None
    return Growth(name=d["name"], is_group=d["is_group"], counts=d["counts"], bytes=d["bytes"],
                  retained=d["retained"], count_delta=d["count_delta"],
                  bytes_delta=d["bytes_delta"], monotonic=d["monotonic"],
                  significant=d["significant"], growing=d["growing"],
                  container=d["container"], member=d["member"], signature=d["signature"])


# -------------------------------------------------------------- Snapshot

class Snapshot:
    """A loaded snapshot. Everything is computed by librefgraph on first use and kept
    (paths, dominators, retention groups, cycles), with the GIL released."""

    def __init__(self, path, *, no_cache=False, cache_dir=None):
        self.path = os.fspath(path)
        self._c = _core.open(self.path, no_cache=no_cache, cache_dir=cache_dir)
        self.info = self._c.info()

    def __repr__(self):
        i = self.info
        return "<refgraph.Snapshot %s: %s objects, %s, %s>" % (
            self.path, fmt_count(i["objects"]), fmt_bytes(i["total_bytes"]), i["format"])

    def __len__(self):
        return self._c.node_count

    # objects
    def object(self, node):
        """The object at graph index `node`."""
        oid, tname, size, length, refcount, rep, name, _flags = self._c.node(node)
        return Object(node, oid, tname, size, None if length < 0 else length,
                      None if refcount < 0 else refcount, rep, name)

    def find(self, id):
        """The object with snapshot id `id` (Error kind "notfound" when none)."""
        return self.object(self._c.find(id))

    def objects(self, type=None) -> Iterator[Object]:
        """Every object (or every instance of `type`), one at a time."""
        if type is None:
            return (self.object(i) for i in range(self._c.node_count))
        nodes, _ = self._c.instances(type)
        return (self.object(i) for i in nodes)

    # queries
    def types(self, sort="count"):
        """Objects and shallow bytes per type, largest first (sort="count" or "size")."""
        if sort not in ("count", "size"):
            raise ValueError("sort must be 'count' or 'size'")
        return Table(TypeStat(*t) for t in self._c.types(sort == "size"))

    def _chain(self, node, count=1, nbytes=0):
        why, root_kind, root_label, hops = self._c.chain(node)
        objs = [self.object(to) for _, _, to in hops]
        root = self.object(hops[0][1]) if hops else (self.object(node) if why == "reachable" else None)
        return Chain(target=self.object(node), why=why, root_kind=root_kind,
                     root_label=root_label, root=root,
                     hops=[Hop(h[0], o) for h, o in zip(hops, objs)],
                     count=count, bytes=nbytes or self._c.node(node)[2])

    def _select(self, type, id):
        if (type is None) == (id is None):
            raise ValueError("give exactly one of type= and id=")
        if id is not None:
            return [self._c.find(id)], None
        nodes, full = self._c.instances(type)
        return nodes, full

    def chains(self, type):
        """Every chain shape that keeps instances of `type` alive, most instances first:
        a Table of Chains, each for one representative with `count` sharing its shape."""
        nodes, _ = self._select(type, None)
        return Table(self._chain(rep, count, nbytes)
                     for count, nbytes, _why, rep in self._c.chain_groups(nodes))

    def chain(self, type=None, id=None):
        """The shortest chain of references from a root to an object, with labelled
        hops: the object with snapshot id `id`, or the instance of `type` whose chain
        shape is the most common one ("Job" finds "__main__.Job")."""
        if id is not None and type is None:
            return self._chain(self._c.find(id))
        chains = self.chains(type) if id is None else None
        if chains is None:
            raise ValueError("give exactly one of type= and id=")
        if not chains:
            raise Error("%s: no instances of %s" % (self.path, type), _ENOTFOUND, self.path)
        return chains[0]

    def _diagram(self, referents, type, id, depth, max_nodes, too_many, title):
        nodes, full = self._select(type, id)
        if type is not None:
            groups = self._c.chain_groups(nodes)
            if not groups:
                raise Error("%s: no instances of %s" % (self.path, type), _ENOTFOUND, self.path)
            nodes = [groups[0][3]]
        return Diagram(self._c.diagram(nodes, referents=referents, depth=depth,
                                       max_nodes=max_nodes, too_many=too_many,
                                       highlight_type=full, title=title))

    def backrefs(self, type=None, id=None, *, depth=0, max_nodes=0, too_many=0, title=None):
        """Who refers to the object (objgraph's show_backrefs), out to `depth` levels
        (default 6): a Diagram. With type=, the instance with the most common chain,
        instances of the type highlighted."""
        return self._diagram(False, type, id, depth, max_nodes, too_many, title)

    def refs(self, type=None, id=None, *, depth=0, max_nodes=0, too_many=0, title=None):
        """What the object refers to (objgraph's show_refs): a Diagram."""
        return self._diagram(True, type, id, depth, max_nodes, too_many, title)

    def suspects(self, *, min_instances=2, min_share=0.001):
        """Leak suspects, best first, as refgraph suspects ranks them: a Table of
        Suspects."""
        out = Table()
        for rank, d in enumerate(self._c.suspects(min_instances=min_instances,
                                                  min_share=min_share), 1):
            container = d.get("container")
            container_obj = self.object(container) if container is not None else None
            rep = d.get("representative")
            out.append(Suspect(
                rank=rank, cause=d["cause"], type=d["type"], count=d["count"],
                retained_bytes=d["retained_bytes"], share=d["share"],
                significant=d["significant"], path=d.get("path"), container=container_obj,
                container_path=str(self._chain(container)) if container_obj else None,
                container_retained=d.get("container_retained", 0),
                shallow_bytes=d["shallow_bytes"], signature=d["signature"],
                example=self._chain(rep) if rep is not None else None))
        return out

    def dominators(self, top=20):
        """The objects with the largest retained size (0 = all), largest first."""
        return Table(Dominator(self.object(n), r) for n, r in self._c.dominators(top))

    def retained(self, obj):
        """Bytes freeing `obj` (an Object or a node index) would free."""
        return self._c.retained(obj.node if isinstance(obj, Object) else obj)

    def diff(self, *others, **thresholds):
        """Growth from this snapshot through `others` (Snapshots or paths), in header-time
        order whatever the order given: a Diff. Thresholds as for refgraph.diff."""
        return _diff_series([self] + list(others), **thresholds)

    def report(self, out_dir, *earlier, title=None, top=0, formats=("md", "html")):
        """Write a report of this snapshot (and growth from `earlier` ones, Snapshots or
        paths) into `out_dir`: a Report."""
        snaps = [s if isinstance(s, Snapshot) else Snapshot(s) for s in earlier] + [self]
        return _report(snaps, out_dir, title, top, formats)


def open(path, *, no_cache=False, cache_dir=None):
    """Load a snapshot: a file (refgraph JSONL, V8 .heapsnapshot or meliae; gzip or zstd
    compressed), or a directory, whose last snapshot in name order is loaded (the
    newest, for the dumper's snap-NNNN-<time> names). The index cache is used as by the
    CLI unless no_cache."""
    path = os.fspath(path)
    if os.path.isdir(path):
        files = snapshot_files(path)
        if not files:
            raise Error("%s: no snapshot files in this directory" % path, _ENOTFOUND, path)
        path = files[-1]
    return Snapshot(path, no_cache=no_cache, cache_dir=cache_dir)


def _summaries(items, no_cache=False):
    """Summaries of snapshots (Snapshots or paths), one graph in memory at a time."""
    sums, sources = [], []
    for it in items:
        snap = it if isinstance(it, Snapshot) else Snapshot(it, no_cache=no_cache)
        sums.append(snap._c.summary())
        sources.append(snap.path)
        del snap
    return sums, sources


def _series_verdict(items, no_cache=False, min_growth=100, min_ratio=0.10,
                    min_group_ratio=0.02, top=20):
    """The one call into librefgraph's growth judgement, from the inputs (paths or
    Snapshots, any order) to the library's answer: each is summarised (one graph in
    memory at a time), then rg_diff_compute and rg_diff_verdict run in
    refgraph._core.diff (its verdict_dict is the C side's one reader of the verdict).
    refgraph.diff, Snapshot.diff and the pytest plugin all come here, so re-pointing
    the judgement (e.g. to judge the time-last snapshot's suspects with the growth, as
    `refgraph diff` may) is a change here and in _core.c's verdict_dict only.
    Returns (sources in input order, the dict _core.diff returns)."""
    sums, sources = _summaries(items, no_cache)
    return sources, _core.diff(sums, min_growth=min_growth, min_ratio=min_ratio,
                               min_group_ratio=min_group_ratio, top=top, sources=sources)


def _diff_series(items, no_cache=False, **thresholds):
    sources, d = _series_verdict(items, no_cache, **thresholds)
    v = d["verdict"]
    return Diff(sources=[sources[i] for i in d["points"]], warnings=d["warnings"],
                types=Table(_growth(g) for g in d["types"]),
                groups=Table(_growth(g) for g in d["groups"]),
                verdict=Verdict(v["kind"], v["confirmed"], v["text"], _growth(v["growth"]),
                                v["leak"]),
                span_seconds=d["span_seconds"])


def diff(paths, *, min_growth=100, min_ratio=0.10, min_group_ratio=0.02, top=20,
         no_cache=False):
    """What grew across a series of snapshots of one process (refgraph diff): `paths` is
    a directory, or a list of files, directories or Snapshots. Snapshots are loaded and
    summarised one at a time. The thresholds are refgraph diff's (docs/diff.md); `top`
    limits the types and groups listed (0 = all). no_cache: neither read nor write
    index caches (for snapshots that are about to be deleted)."""
    items = list(paths) if isinstance(paths, (list, tuple)) else [paths]
    expanded = []
    for it in items:
        expanded.extend([it] if isinstance(it, Snapshot) else _expand(it))
    if len(expanded) < 2:
        raise Error("growth needs at least two snapshots (got %d)" % len(expanded), _EINVAL)
    return _diff_series(expanded, no_cache, min_growth=min_growth, min_ratio=min_ratio,
                        min_group_ratio=min_group_ratio, top=top)


def _report(snaps, out_dir, title, top, formats):
    out_dir = os.fspath(out_dir)
    bad = set(formats) - {"md", "html"}
    if bad:
        raise ValueError("unknown report formats %s (md, html)" % sorted(bad))
    summary, files = _core.report([s._c for s in snaps], out_dir, title=title, top=top,
                                  markdown="md" in formats, html="html" in formats)
    return Report(out_dir, summary, files)


def report(paths, out_dir, *, title=None, top=0, formats=("md", "html"), no_cache=False):
    """Write a report (refgraph report) of the snapshots in `paths` (a directory, or a
    list of files) into `out_dir`; the last snapshot is analysed in detail, the earlier
    ones give growth. Returns a Report."""
    items = list(paths) if isinstance(paths, (list, tuple)) else [paths]
    snaps = []
    for it in items:
        snaps.extend([it] if isinstance(it, Snapshot)
                     else [Snapshot(p, no_cache=no_cache) for p in _expand(it)])
    if not snaps:
        raise Error("no snapshots given", _EINVAL)
    snaps.sort(key=lambda s: (s.info["time"], s.info["seq"]))
    return _report(snaps, out_dir, title, top, formats)

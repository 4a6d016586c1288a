"""refgraph info / types: output, --json schema, --help, exit codes and every
class of bad input the foundation issue lists."""
import gzip
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from rgtest import DATA, TempDirTest, main, run, run_json  # noqa: E402

SMALL = os.path.join(DATA, "small.jsonl")
BAD = os.path.join(DATA, "bad")


class InfoTypes(TempDirTest):
    def test_info_text(self):
        out = run("info", "--no-cache", SMALL, check=0).stdout
        self.assertIn("objects:     9", out)
        self.assertIn("edges:       8", out)
        self.assertIn("producer:    hand-written fixture", out)
        self.assertIn("1,264 bytes", out)

    def test_info_time_in_utc_and_dangling_explained(self):
        # The header's time 1764115200.25 is printed as the report prints times.
        out = run("info", "--no-cache", SMALL, check=0).stdout
        self.assertIn("time:        2025-11-26 00:00:00 UTC\n", out)
        snap = os.path.join(self.tmp, "dangling.jsonl")
        with open(snap, "w") as f:
            f.write('{"rec":"header","format":"refgraph-snapshot","version":1,"time":1796517843}\n')
            f.write('{"rec":"object","id":1,"type":"list","size":72,"refs":[[2,"index",0],[3,"index",1]]}\n')
            f.write('{"rec":"object","id":2,"type":"str","size":50}\n')
            f.write('{"rec":"root","id":1,"kind":"module","label":"m"}\n')
            f.write('{"rec":"root","id":9,"kind":"module","label":"gone"}\n')
        lines = run("info", "--no-cache", snap, check=0).stdout.splitlines()
        self.assertIn("time:        2026-12-06 00:44:03 UTC", lines)
        dangling = [ln for ln in lines if ln.startswith("dangling:")]
        self.assertEqual(len(dangling), 1, lines)
        self.assertIn("1 references, 1 roots to ids not in the snapshot", dangling[0])
        self.assertIn("the producer did not write", dangling[0])
        self.assertIn("not an error", dangling[0])
        j = run_json("info", "--no-cache", snap)
        self.assertEqual((j["time"], j["dangling_refs"], j["dangling_roots"]), (1796517843, 1, 1))

    def test_info_json_schema(self):
        j = run_json("info", "--no-cache", SMALL)
        for key in ("file", "format", "format_version", "compression", "producer", "runtime", "pid",
                    "time", "seq", "objects", "edges", "roots", "total_bytes", "input_bytes",
                    "skipped_records", "dangling_refs", "dangling_roots", "load_seconds", "from_cache"):
            self.assertIn(key, j)
        self.assertEqual(j["objects"], 9)
        self.assertEqual(j["edges"], 8)
        self.assertEqual(j["roots"], 1)
        self.assertEqual(j["pid"], 4242)
        self.assertEqual(j["total_bytes"], 1264)
        self.assertEqual(j["format"], "refgraph-snapshot")

    def test_types_counts_and_bytes(self):
        j = run_json("types", "--no-cache", SMALL)
        self.assertEqual(j["types"][0], {"type": "tuple", "count": 2, "bytes": 128})
        self.assertEqual(j["type_count"], 8)
        by_size = run_json("types", "--no-cache", "--sort", "size", SMALL)
        self.assertEqual(by_size["types"][0]["type"], "collections.deque")
        top = run_json("types", "--no-cache", "--top", "3", SMALL)
        self.assertEqual(len(top["types"]), 3)

    def test_types_text(self):
        out = run("types", "--no-cache", "--top", "2", SMALL, check=0).stdout.splitlines()
        self.assertTrue(out[0].startswith("type"))
        self.assertTrue(out[1].startswith("tuple"))
        self.assertIn("(6 more types", out[-1])

    def test_gzip_and_zstd_by_magic_not_name(self):
        with open(SMALL, "rb") as f:
            raw = f.read()
        gz = os.path.join(self.tmp, "snap.data")        # no telling extension
        with gzip.open(gz, "wb") as f:
            f.write(raw)
        j = run_json("info", "--no-cache", gz)
        self.assertEqual((j["compression"], j["objects"]), ("gzip", 9))
        zs = os.path.join(self.tmp, "snap.jsonl.gz")    # a lying extension
        import subprocess
        subprocess.run(["zstd", "-q", "-f", SMALL, "-o", zs], check=True)
        j = run_json("info", "--no-cache", zs)
        self.assertEqual((j["compression"], j["objects"]), ("zstd", 9))

    def test_help_version_usage(self):
        self.assertIn("usage: refgraph", run("--help", check=0).stdout)
        self.assertRegex(run("--version", check=0).stdout, r"^refgraph \d+\.\d+\.\d+")
        for cmd in ("info", "types"):
            self.assertIn("usage: refgraph " + cmd, run(cmd, "--help", check=0).stdout)
            self.assertIn("no snapshot given", run(cmd, check=2).stderr)
        self.assertIn("unknown command", run("frobnicate", check=2).stderr)
        self.assertIn("--sort", run("types", "--sort", "weird", SMALL, check=2).stderr)
        self.assertIn("--top", run("types", "--top", "-3", SMALL, check=2).stderr)


class BadInput(TempDirTest):
    # file -> what the one-line error must say besides the file name
    CASES = {
        "empty.jsonl": ":1: byte 0: empty file",
        "truncated.jsonl": ":3: byte 300: truncated record",
        "notjson.jsonl": ":1: byte 1: invalid JSON",
        "wrongshape.jsonl": ':2: byte 80: object record: "id" must be',
        "version.jsonl": ":1: byte 58: unsupported snapshot format version 99",
        "utf8.jsonl": ":2: byte 89: invalid UTF-8: byte 0xC3 does not start a valid sequence",
        "truncated.jsonl.gz": ": truncated gzip stream (ends at compressed byte 150)",
        "truncated.jsonl.zst": ": truncated zstd stream (ends at compressed byte 150)",
        "duplicate.jsonl": ":3: byte 145: duplicate object id 1 (first defined at line 2)",
    }

    def test_each_bad_file(self):
        for name, needle in self.CASES.items():
            with self.subTest(name=name):
                for cmd in ("info", "types"):
                    p = run(cmd, "--no-cache", os.path.join(BAD, name), check=1)
                    lines = p.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, p.stderr)
                    self.assertIn(name + needle, lines[0])
                    self.assertEqual(p.stdout, "")

    def test_missing_file(self):
        p = run("info", os.path.join(self.tmp, "nope.jsonl"), check=1)
        self.assertIn("nope.jsonl: cannot open: No such file or directory", p.stderr)

    def test_huge_line(self):
        # A 64 MiB string on one line: read in bounded memory, clamped, and loaded.
        path = os.path.join(self.tmp, "huge.jsonl")
        with open(path, "w") as f:
            f.write('{"rec":"header","format":"refgraph-snapshot","version":1}\n')
            f.write('{"rec":"object","id":1,"type":"str","size":67108913,"repr":"')
            f.write("x" * (64 << 20))
            f.write('"}\n')
        j = run_json("info", "--no-cache", path)
        self.assertEqual(j["objects"], 1)

    def test_hostile_numbers(self):
        path = os.path.join(self.tmp, "hostile.jsonl")
        with open(path, "w") as f:
            f.write('{"rec":"header","format":"refgraph-snapshot","version":1,"objects":9223372036854775807,"edges":9223372036854775807}\n')
            f.write('{"rec":"object","id":18446744073709551615,"type":"x","size":1}\n')
        p = run("info", "--no-cache", path, check=1)
        self.assertIn("hostile.jsonl:2:", p.stderr)


# ---------------------------------------------------------------- hostile input

M64 = (1 << 64) - 1


def old_id_hash_inverse(h):
    """The id whose hash under the id map's old unkeyed hash (a murmur3
    finalizer with 33-bit shifts, invertible) is h."""
    def unshift(x):
        return x ^ (x >> 33)  # a 33-bit xorshift is its own inverse
    x = unshift(h)
    x = (x * pow(0xc4ceb9fe1a85ec53, -1, 1 << 64)) & M64
    x = unshift(x)
    x = (x * pow(0xff51afd7ed558ccd, -1, 1 << 64)) & M64
    return unshift(x)


def colliding_ids(n):
    """n distinct ids below 2^63 whose old hash has 32 low zero bits: every one
    lands in the same slot of any table of up to 2^32 slots."""
    ids, k = [], 1
    while len(ids) < n:
        i = old_id_hash_inverse(k << 32)
        if i < 1 << 63:
            ids.append(i)
        k += 1
    return ids


def zstd_frame(parts):
    """A zstd frame built by hand: ("raw", bytes) blocks and ("rle", byte, count)
    blocks (one byte repeated, four bytes of frame per 128 KiB of output)."""
    import struct
    out = bytearray(struct.pack("<I", 0xFD2FB528)) + bytes([0x00, 0x38])  # no content size, 128 KiB window
    blocks = []
    for part in parts:
        if part[0] == "raw":
            data = part[1]
            for i in range(0, len(data), 1 << 17):
                blocks.append((0, data[i:i + (1 << 17)], len(data[i:i + (1 << 17)])))
        else:
            left = part[2]
            while left:
                k = min(left, 1 << 17)
                blocks.append((1, bytes([part[1]]), k))
                left -= k
    for i, (kind, payload, size) in enumerate(blocks):
        last = 1 if i == len(blocks) - 1 else 0
        out += struct.pack("<I", last | (kind << 1) | (size << 3))[:3] + payload
    return bytes(out)


def run_limited(*args, cpu_seconds=None, address_space_mb=None):
    """Run the CLI in a fresh Python process, under RLIMIT_CPU and RLIMIT_AS
    when given; returns (exit status or -signal, stderr, peak RSS of the CLI
    in KiB)."""
    import subprocess
    from rgtest import REFGRAPH
    code = ("import resource, subprocess, sys\n"
            "cpu, mb = int(sys.argv[1]), int(sys.argv[2])\n"
            "def limit():\n"
            "    if cpu:\n"
            "        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))\n"
            "    if mb:\n"
            "        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))\n"
            "p = subprocess.run(sys.argv[3:], capture_output=True, text=True, preexec_fn=limit)\n"
            "sys.stderr.write(p.stderr)\n"
            "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    p = subprocess.run([sys.executable, "-c", code, str(cpu_seconds or 0), str(address_space_mb or 0), REFGRAPH,
                        *map(str, args)],
                       capture_output=True, text=True, timeout=600)
    rc, rss = p.stdout.split()
    return int(rc), p.stderr, int(rss)


HDR = '{"rec":"header","format":"refgraph-snapshot","version":1}\n'


class Hostile(TempDirTest):
    """Inputs built to cost time or memory out of proportion to their size.
    Each check is deterministic: a CPU-time rlimit the old code could not
    meet, or the peak RSS the kernel counted, far from either side."""

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return path

    def assert_loads_within_cpu(self, path, objects):
        # the old id hash needed minutes of CPU for these files; now well under a second
        rc, err, _ = run_limited("info", "--json", "--no-cache", path, cpu_seconds=20)
        self.assertEqual(rc, 0, "killed by the CPU limit or failed: %s" % err)

    def test_colliding_ids_jsonl(self):
        ids = colliding_ids(300000)
        lines = [HDR] + ['{"rec":"object","id":%d,"type":"T","size":1}\n' % i for i in ids]
        lines.append('{"rec":"object","id":1,"type":"H","size":1,"refs":[%s]}\n'
                     % ",".join('[%d,"index",%d]' % (t, k) for k, t in enumerate(ids[:1000])))
        self.assert_loads_within_cpu(self.write("collide.jsonl", "".join(lines)), len(ids) + 1)

    def test_colliding_ids_meliae(self):
        ids = colliding_ids(300000)
        lines = ['{"address": %d, "type": "T", "size": 1, "refs": []}\n' % i for i in ids]
        self.assert_loads_within_cpu(self.write("collide.json", "".join(lines)), len(ids))

    def test_colliding_ids_v8(self):
        # falling ids, so the reader's sorted-prefix shortcut does not absorb them
        ids = sorted(colliding_ids(300000), reverse=True)
        meta = {"node_fields": ["type", "name", "id", "self_size", "edge_count"],
                "node_types": [["hidden", "object"], "string", "number", "number", "number"],
                "edge_fields": ["type", "name_or_index", "to_node"],
                "edge_types": [["property"], "string", "node"]}
        nodes = ",".join("1,1,%d,8,0" % i for i in ids)
        text = ('{"snapshot":{"meta":%s,"node_count":%d,"edge_count":0},"nodes":[%s],"edges":[],'
                '"strings":["","T"]}' % (json.dumps(meta), len(ids), nodes))
        self.assert_loads_within_cpu(self.write("collide.heapsnapshot", text), len(ids))

    def test_header_count_bomb(self):
        # 148 bytes announcing 10^12 objects: the hint used to zero a 2 GiB table
        path = self.write("bomb.jsonl", '{"rec":"header","format":"refgraph-snapshot","version":1,'
                                        '"objects":1000000000000,"edges":1000000000000}\n'
                                        '{"rec":"object","id":1,"type":"T","size":1}\n')
        rc, err, rss_kb = run_limited("info", "--no-cache", path)
        self.assertEqual(rc, 1, err)
        self.assertIn("bomb.jsonl:3: byte 148: truncated: the header announces 1000000000000 objects, the file has 1",
                      err)
        self.assertLess(rss_kb, 150 * 1024)

    def test_header_count_bomb_edges_only(self):
        # edges stay a hint (a producer may estimate them): the file loads, in
        # little memory and without reserving 3.4 GB of address space for 2^28
        # edges (RLIMIT_AS 1 GiB; not under ASan, whose shadow needs terabytes)
        from rgtest import SANITIZED
        path = self.write("bomb.jsonl", '{"rec":"header","format":"refgraph-snapshot","version":1,'
                                        '"objects":1,"edges":1000000000000}\n'
                                        '{"rec":"object","id":1,"type":"T","size":1}\n')
        rc, err, rss_kb = run_limited("info", "--no-cache", path, address_space_mb=None if SANITIZED else 1024)
        self.assertEqual(rc, 0, err)
        self.assertLess(rss_kb, 150 * 1024)

    def test_cut_at_a_line_boundary(self):
        with open(SMALL) as f:
            lines = f.readlines()
        header = json.loads(lines[0])
        header["objects"] = 9
        path = self.write("cut.jsonl", json.dumps(header) + "\n" + "".join(lines[1:5]))
        p = run("info", "--no-cache", path, check=1)
        self.assertRegex(p.stderr, r"cut\.jsonl:6: byte \d+: truncated: the header announces 9 objects, the file has 4")
        # the whole file with the same header loads
        whole = self.write("whole.jsonl", json.dumps(header) + "\n" + "".join(lines[1:]))
        self.assertEqual(run_json("info", "--no-cache", whole)["objects"], 9)

    def test_zstd_of_spaces(self):
        # 28 KB of zstd that is one line of 900 MB of spaces: used to load at 885 MB RSS
        data = zstd_frame([("raw", (HDR + '{"rec":"object","id":1,"type":"T","size":1}\n').encode()),
                           ("rle", 0x20, 900 << 20), ("raw", b"\n")])
        self.assertLess(len(data), 40000)
        path = self.write("spaces.jsonl.zst", data)
        rc, err, rss_kb = run_limited("info", "--no-cache", path)
        self.assertEqual(rc, 1, err)
        self.assertIn("spaces.jsonl.zst:3: byte 102: more than 1048576 bytes of whitespace in a row", err)
        self.assertLess(rss_kb, 150 * 1024)

    def test_zstd_ratio_bomb(self):
        # a valid record whose type name is 200 MB of one letter, from 6 KB of zstd
        data = zstd_frame([("raw", (HDR + '{"rec":"object","id":1,"type":"').encode()),
                           ("rle", ord("a"), 200 << 20), ("raw", b'","size":1}\n')])
        path = self.write("ratio.jsonl.zst", data)
        rc, err, rss_kb = run_limited("info", "--no-cache", path)
        self.assertEqual(rc, 1, err)
        self.assertIn("ratio.jsonl.zst: compressed byte", err)
        self.assertIn("decompresses to more than 1000 times its size", err)
        self.assertLess(rss_kb, 250 * 1024)

    def test_zstd_skippable_frame_first(self):
        import shutil
        import struct
        import subprocess
        if not shutil.which("zstd"):
            self.skipTest("no zstd binary")
        z = subprocess.run(["zstd", "-q", "-c", SMALL], check=True, capture_output=True).stdout
        data = struct.pack("<II", 0x184D2A5E, 5) + b"hello" + z + struct.pack("<II", 0x184D2A50, 0)
        path = self.write("skip.jsonl.zst", data)
        j = run_json("info", "--no-cache", path)
        self.assertEqual((j["compression"], j["objects"]), ("zstd", 9))

    def test_invalid_utf8_all_readers(self):
        cases = {"overlong": b"\xc0\x80", "surrogate": b"\xed\xa0\x80", "above U+10FFFF": b"\xf4\x90\x80\x80"}
        for what, bad in cases.items():
            with self.subTest(bad=what):
                jsonl = self.write("u.jsonl", HDR.encode() + b'{"rec":"object","id":1,"type":"T' + bad +
                                   b'","size":1}\n')
                p = run("types", "--json", "--no-cache", jsonl, check=1)
                self.assertIn("u.jsonl:2: byte %d: invalid UTF-8" % (len(HDR) + 32), p.stderr)
                meliae = self.write("u.json", b'{"address": 1, "type": "T' + bad + b'", "size": 1, "refs": []}\n')
                p = run("types", "--json", "--no-cache", meliae, check=1)
                self.assertIn("u.json:1: byte 25: invalid UTF-8", p.stderr)
                with open(os.path.join(DATA, "v8", "tiny.heapsnapshot"), "rb") as f:
                    v8 = f.read()
                at = v8.rindex(b'"]}')
                p = run("types", "--json", "--no-cache", self.write("u.heapsnapshot", v8[:at] + bad + v8[at:]), check=1)
                self.assertIn("u.heapsnapshot:%d: byte %d: invalid UTF-8" % (v8[:at].count(b"\n") + 1, at), p.stderr)

    def test_lone_surrogate_escape_is_replaced(self):
        # yajl turns a lone high surrogate into "?" itself; a lone low one it
        # would write as surrogate bytes, which the reader turns into U+FFFD
        path = self.write("esc.jsonl", HDR + '{"rec":"object","id":1,"type":"T\\ud800x","size":1}\n'
                                           '{"rec":"object","id":3,"type":"L\\udc00x","size":1}\n'
                                           '{"rec":"object","id":2,"type":"P\\ud83d\\ude00","size":1}\n')
        p = run("types", "--json", "--no-cache", path, check=0)
        raw = p.stdout.encode("utf-8")
        raw.decode("utf-8", "strict")  # valid UTF-8 throughout
        names = {t["type"] for t in json.loads(raw)["types"]}
        self.assertEqual(names, {"T?x", "L\ufffdx", "P\U0001f600"})

    def test_objgraph_count_overflow(self):
        path = self.write("og.log", "dict 18446744073709551615\nlist 18446744073709551615\n\n"
                                    "dict 5\nlist 4\n")
        p = run("diff", path, check=1)
        self.assertIn("og.log:1: the counts of this block add up to more than 2^64 - 1", p.stderr)
        path = self.write("og2.log", "dict 5\nlist 4\n\ndict 18446744073709551616 +1\n")
        p = run("diff", path, check=1)
        self.assertIn("og2.log:4: a count or change does not fit in 64 bits", p.stderr)

    def test_objgraph_log_memory(self):
        # 100 000 one-line show_growth blocks (a name listed twice starts a
        # new block), the most a log may hold (RG_OBJGRAPH_MAX_BLOCKS): 300 000
        # took 327 MB (1090 bytes a block); now about 420 bytes a block, the
        # summaries' own structures and the growth table's column
        path = self.write("growth.log", "".join("a %d +1\n" % (i % 1000 + 1) for i in range(100000)))
        size = os.path.getsize(path)
        rc, err, rss_kb = run_limited("diff", path)
        self.assertEqual(rc, 0, err)
        from rgtest import SANITIZED
        if not SANITIZED:  # ASan's allocator adds its own bytes to every small block
            self.assertLess(rss_kb * 1024, 800 * 100000, "%d bytes of input" % size)
        # one block more is refused, naming the line (tests/cli/test_diff_memory.py)
        path = self.write("growth2.log", "".join("a %d +1\n" % (i % 1000 + 1) for i in range(100001)))
        rc, err, rss_kb = run_limited("diff", path)
        self.assertEqual(rc, 1, err)
        self.assertIn("growth2.log:100001: more than 100000 blocks of objgraph output", err)


if __name__ == "__main__":
    main()

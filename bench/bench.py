"""The benchmark suite's engine (run it through bench/run.sh).

Runs the refgraph CLI as a user would, whole process: wall time from
perf_counter around the process, peak RSS and CPU time from wait4's rusage.
Every measurement writes its exact command next to its numbers, into
bench/results/*.json; bench/render.py turns those into docs/performance.md.
"""
import argparse
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
CASES = os.environ.get("RG_BENCH_CASES", os.path.join(os.path.dirname(SRC), "shared", "cases"))
SYS_PY = "/usr/bin/python3"  # objgraph is installed for the system Python


def run_rusage(cmd, env=None, timeout=1800):
    """Run cmd as a whole process: wall time, and the child's own peak RSS
    and CPU time from wait4. `timeout` is advisory (the suite is attended)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # stderr is small (notes, errors); read stdout fully, then reap with wait4
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"cmd": " ".join(cmd), "rc": p.returncode, "wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
            "rss_mb": ru.ru_maxrss / 1024.0, "out": out.decode("utf-8", "replace"),
            "err": err.decode("utf-8", "replace")}


def best(n, cmd, **kw):
    """The fastest of n runs (the machine is shared; the minimum is the
    least disturbed). Peak RSS is the maximum over the runs."""
    runs = [run_rusage(cmd, **kw) for _ in range(n)]
    ok = [r for r in runs if r["rc"] == 0]
    if not ok:
        r = runs[-1]
        raise RuntimeError(f"{r['cmd']} failed ({r['rc']}): {r['err'][-2000:]}")
    b = min(ok, key=lambda r: r["wall"])
    b = dict(b)
    b["rss_mb"] = max(r["rss_mb"] for r in ok)
    b["runs"] = len(ok)
    b["walls"] = [round(r["wall"], 4) for r in ok]
    return b


def slim(r):
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items() if k not in ("out", "err")}


def machine(refgraph):
    info = {"python": sys.version.split()[0], "kernel": platform.release(), "cpus": os.cpu_count()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"Model name:\s*(.*)", lscpu)
        info["cpu"] = m.group(1).strip() if m else "?"
        m = re.search(r"Hypervisor vendor:\s*(.*)", lscpu)
        info["hypervisor"] = m.group(1).strip() if m else "none"
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        info["mem_gib"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    info["load_avg_at_start"] = os.getloadavg()
    info["refgraph"] = subprocess.run([refgraph, "--version"], capture_output=True, text=True).stdout.strip()
    try:
        info["git"] = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True).stdout.strip()
    except OSError:
        pass
    info["date"] = time.strftime("%Y-%m-%d %H:%M")
    return info


def ensure_snapshot(gen, data, n, seed=1):
    path = os.path.join(data, f"gen-{n}.jsonl")
    answer = path + ".answer.json"
    if not (os.path.exists(path) and os.path.exists(answer)):
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            subprocess.run([gen, "--objects", str(n), "--seed", str(seed), "--answer", answer], stdout=f, check=True)
        os.replace(tmp, path)
    return path


def scaling(a, sizes, save):
    rows = []
    for n in sizes:
        snap = ensure_snapshot(a.gen, a.data, n)
        mb = os.path.getsize(snap) / 1e6
        reps = 3 if n <= 1_000_000 else 1
        cache = os.path.join(a.data, "cache")
        shutil.rmtree(cache, ignore_errors=True)
        os.makedirs(cache)
        row = {"objects_requested": n, "file_mb": round(mb, 1)}
        r = best(reps, [a.refgraph, "info", snap, "--json", "--no-cache"])
        info = json.loads(r["out"])
        row.update(objects=info["objects"], edges=info["edges"], load=slim(r),
                   load_reported_s=info["load_seconds"])
        row["load_mb_s"] = round(mb / r["wall"], 1)
        r1 = best(reps, [a.refgraph, "info", snap, "--json", "--no-cache", "--threads", "1"])
        row["load_1thread"] = slim(r1)
        row["load_1thread_mb_s"] = round(mb / r1["wall"], 1)
        w = run_rusage([a.refgraph, "info", snap, "--json", "--cache-dir", cache])
        row["first_open_writes_cache"] = slim(w)
        row["cache_mb"] = round(sum(os.path.getsize(os.path.join(cache, f)) for f in os.listdir(cache)) / 1e6, 1)
        c = best(reps, [a.refgraph, "info", snap, "--json", "--cache-dir", cache])
        assert json.loads(c["out"])["from_cache"], c["out"]
        row["reopen_from_cache"] = slim(c)
        t = best(reps, [a.refgraph, "types", snap, "--cache-dir", cache])
        row["types_from_cache"] = slim(t)
        ch = best(2, [a.refgraph, "chain", snap, "--type", "leak.Session", "--cache-dir", cache, "--json"])
        row["chain_from_cache"] = slim(ch)
        try:
            su = run_rusage([a.refgraph, "suspects", snap, "--cache-dir", cache, "--json"], timeout=900)
            row["suspects_from_cache"] = slim(su)
        except Exception as e:  # noqa: BLE001 - recorded, not fatal
            row["suspects_from_cache"] = {"error": str(e)}
        q = run_rusage([a.query_bench, snap, cache, "leak.Session"])
        row["in_process"] = json.loads(q["out"]) if q["rc"] == 0 else {"error": q["err"][-500:]}
        # bytes per object and per edge of the cache (format 4: raw arrays
        # while they fit the snapshot's size, then compact columns)
        row["graph_bytes_per_object_plus_edge_model"] = {
            "cache_bytes": int(row["cache_mb"] * 1e6), "objects": info["objects"], "edges": info["edges"]}
        rows.append(row)
        print(f"  {n:>9} objects: load {r['wall']:.2f}s ({row['load_mb_s']} MB/s, {r['rss_mb']:.0f} MB), "
              f"1 thread {r1['wall']:.2f}s, reopen {c['wall']:.3f}s", flush=True)
        shutil.rmtree(cache, ignore_errors=True)
        save("scaling", rows)  # after every size, so a long run leaves results behind
    return rows


def compressed(a, n):
    snap = ensure_snapshot(a.gen, a.data, n)
    mb = os.path.getsize(snap) / 1e6
    out = {"objects_requested": n, "uncompressed_mb": round(mb, 1)}
    for codec, comp, decomp in (("zstd", ["zstd", "-q", "-f", "-3"], ["zstd", "-dc"]),
                                ("gzip", ["gzip", "-k", "-f", "-6"], ["gzip", "-dc"])):
        ext = ".zst" if codec == "zstd" else ".gz"
        path = snap + ext
        if not os.path.exists(path):
            subprocess.run(comp + ([snap, "-o", path] if codec == "zstd" else [snap]), check=True)
        load = best(2, [a.refgraph, "info", path, "--json", "--no-cache"])
        with open(os.devnull, "wb") as devnull:
            t0 = time.perf_counter()
            subprocess.run(decomp + [path], stdout=devnull, check=True)
            dec = time.perf_counter() - t0
        out[codec] = {"file_mb": round(os.path.getsize(path) / 1e6, 1), "load": slim(load),
                      "load_mb_s": round(mb / load["wall"], 1), "decompress_only_s": round(dec, 3),
                      "decompress_only_mb_s": round(mb / dec, 1), "decompress_cmd": " ".join(decomp + [path])}
    return out


def shapes(a, n):
    """First load (MB/s) and the index cache (size against the snapshot,
    re-open) for each shape gen_snapshot makes, at n objects: the JSONL
    loader's goal is a floor on every shape, and the cache's a ceiling."""
    rows = []
    for shape in ("default", "dicts"):
        path = os.path.join(a.data, f"shape-{shape}-{n}.jsonl")
        if not os.path.exists(path):
            with open(path + ".tmp", "wb") as f:
                extra = [] if shape == "default" else ["--shape", shape]
                subprocess.run([a.gen, "--objects", str(n), "--seed", "1"] + extra, stdout=f, check=True)
            os.replace(path + ".tmp", path)
        mb = os.path.getsize(path) / 1e6
        load = best(3, [a.refgraph, "info", path, "--json", "--no-cache"])
        cache = os.path.join(a.data, "cache-shape")
        shutil.rmtree(cache, ignore_errors=True)
        os.makedirs(cache)
        first = run_rusage([a.refgraph, "chain", path, "--type", "dict", "--json", "--cache-dir", cache])
        reopen = best(3, [a.refgraph, "info", path, "--json", "--cache-dir", cache])
        cache_bytes = sum(os.path.getsize(os.path.join(cache, f)) for f in os.listdir(cache))
        shutil.rmtree(cache, ignore_errors=True)
        rows.append({"shape": shape, "objects_requested": n, "file_mb": round(mb, 1), "load": slim(load),
                     "load_mb_s": round(mb / load["wall"], 1), "first_chain_writes_cache": slim(first),
                     "cache_mb_with_paths": round(cache_bytes / 1e6, 1),
                     "cache_over_snapshot": round(cache_bytes / os.path.getsize(path), 3),
                     "reopen": slim(reopen)})
        print(f"  {shape:>8}: load {load['wall']:.2f}s ({rows[-1]['load_mb_s']} MB/s), cache "
              f"{rows[-1]['cache_over_snapshot']}x the snapshot, reopen {reopen['wall']:.3f}s", flush=True)
    return rows


def json_floor(a, n):
    snap = ensure_snapshot(a.gen, a.data, n)
    mb = os.path.getsize(snap) / 1e6
    code = "import json,sys\nfor line in open(sys.argv[1], 'rb'): json.loads(line)\n"
    r = run_rusage([sys.executable, "-c", code, snap])
    ours = best(2, [a.refgraph, "info", snap, "--json", "--no-cache"])
    return {"objects_requested": n, "file_mb": round(mb, 1), "python_json": slim(r),
            "python_json_mb_s": round(mb / r["wall"], 1), "refgraph": slim(ours),
            "refgraph_mb_s": round(mb / ours["wall"], 1), "ratio": round(r["wall"] / ours["wall"], 1),
            "python": sys.version.split()[0]}


def dump(script, args, outdir):
    env = dict(os.environ, PYTHONPATH=os.path.join(SRC, "tools", "python"))
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    cmd = [SYS_PY, "-m", "refgraph_dump", "-o", outdir, "--at-exit", "--", script, *args]
    r = run_rusage(cmd, env=env)
    if r["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r['err'][-2000:]}")
    snaps = sorted(glob.glob(os.path.join(outdir, "run-*", "*.jsonl*")))
    return snaps[-1], slim(r)


def peers(a):
    out = {}
    seed = os.path.join(CASES, "seedleak.py")
    deep = os.path.join(CASES, "deepleak.py")
    if not os.path.exists(seed):
        return {"error": f"{CASES} not found"}
    # objgraph inside the leaking process, as its users run it
    r = run_rusage([SYS_PY, seed, "objgraph", "2"])
    m = re.search(r"most_common_types ([\d.]+)s find_backref_chain ([\d.]+)s", r["out"])
    objs = re.search(r"objects (\d+)", r["out"])
    out["seed_objgraph"] = {"cmd": r["cmd"], "most_common_types_s": float(m.group(1)) if m else None,
                            "find_backref_chain_s": float(m.group(2)) if m else None,
                            "objects": int(objs.group(1)) if objs else None, "process_wall_s": round(r["wall"], 3)}
    # refgraph on the same scenario: dump at exit, then the CLI
    snap, d = dump(seed, ["run", "2"], os.path.join(a.data, "seed"))
    out["seed_dump"] = d
    cache = os.path.join(a.data, "seed-cache")
    shutil.rmtree(cache, ignore_errors=True)
    os.makedirs(cache)
    out["seed_types"] = slim(best(3, [a.refgraph, "types", snap, "--no-cache"]))
    info = json.loads(run_rusage([a.refgraph, "info", snap, "--json", "--no-cache"])["out"])
    out["seed_objects"] = info["objects"]
    out["seed_chain"] = slim(best(3, [a.refgraph, "chain", snap, "--type", "Job", "--no-cache"]))
    run_rusage([a.refgraph, "info", snap, "--cache-dir", cache])
    out["seed_types_cached"] = slim(best(3, [a.refgraph, "types", snap, "--cache-dir", cache]))
    out["seed_chain_cached"] = slim(best(3, [a.refgraph, "chain", snap, "--type", "Job", "--cache-dir", cache]))
    q = run_rusage([a.query_bench, snap, cache, "Job"])
    out["seed_in_process"] = json.loads(q["out"]) if q["rc"] == 0 else {"error": q["err"][-500:]}
    if os.path.exists(deep) and not a.quick:
        r = run_rusage([SYS_PY, deep, "1000", "objgraph"], timeout=600)
        m = re.search(r"find_backref_chain ([\d.]+)s", r["out"])
        out["deep_objgraph"] = {"cmd": r["cmd"], "find_backref_chain_s": float(m.group(1)) if m else None,
                                "process_wall_s": round(r["wall"], 3)}
        snap, d = dump(deep, ["1000"], os.path.join(a.data, "deep"))
        out["deep_dump"] = d
        out["deep_chain"] = slim(best(3, [a.refgraph, "chain", snap, "--type", "Payload", "--no-cache"]))
        cache = os.path.join(a.data, "deep-cache")
        shutil.rmtree(cache, ignore_errors=True)
        os.makedirs(cache)
        run_rusage([a.refgraph, "info", snap, "--cache-dir", cache])
        out["deep_chain_cached"] = slim(best(3, [a.refgraph, "chain", snap, "--type", "Payload", "--cache-dir", cache]))
        q = run_rusage([a.query_bench, snap, cache, "Payload"])
        out["deep_in_process"] = json.loads(q["out"]) if q["rc"] == 0 else {"error": q["err"][-500:]}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--refgraph", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--query-bench", dest="query_bench", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--quick", action="store_true", help="up to 10^6 objects, no deepleak")
    ap.add_argument("--only", default="machine,scaling,shapes,compressed,floor,peers")
    a = ap.parse_args()
    os.makedirs(a.data, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)
    sizes = [100_000, 300_000, 1_000_000] + ([] if a.quick else [3_000_000, 10_000_000])
    only = set(a.only.split(","))

    def save(name, obj):
        with open(os.path.join(a.results, name + ".json"), "w") as f:
            json.dump(obj, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"wrote bench/results/{name}.json", flush=True)

    if "machine" in only:
        save("machine", machine(a.refgraph))
    if "scaling" in only:
        print("== scaling (synthetic snapshots)", flush=True)
        scaling(a, sizes, save)
    if "shapes" in only:
        print("== shapes (JSONL load and cache per shape)", flush=True)
        save("shapes", shapes(a, 2_000_000))
    if "compressed" in only:
        print("== compressed input", flush=True)
        save("compressed", compressed(a, 1_000_000))
    if "floor" in only:
        print("== Python json floor", flush=True)
        save("floor", json_floor(a, 1_000_000))
    if "peers" in only:
        print("== peers (objgraph on the shared cases)", flush=True)
        save("peers", peers(a))


if __name__ == "__main__":
    main()

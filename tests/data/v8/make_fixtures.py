"""Regenerate the V8 heap snapshot fixtures in this directory.

tiny.heapsnapshot is a small valid snapshot in the exact layout node and Chrome
write (meta first, one node or edge per line, strings last); every other file
breaks it in one way, for tests/unit/test_v8.c. Run: python3 make_fixtures.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_FIELDS = ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"]
NODE_TYPES = ["hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native",
              "synthetic", "concatenated string", "sliced string", "symbol", "bigint", "object shape"]
EDGE_TYPES = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"]

# (type, name, id, self_size, detachedness, [(edge type, name or index, target node)])
NODES = [
    ("synthetic", "", 1, 0, 0, [("element", 1, 1), ("shortcut", "global", 3)]),
    ("synthetic", "(GC roots)", 3, 0, 0, [("element", 1, 2), ("element", 2, 8)]),
    ("synthetic", "(Stack roots)", 5, 0, 0, [("internal", "fn", 6)]),
    ("object", "global", 7, 40, 0, [("property", "keep", 4), ("internal", "map", 9), ("property", "div", 13)]),
    ("object", "Holder", 9, 32, 0, [("property", "items", 5), ("weak", "cache", 12)]),
    ("array", "(object elements)", 11, 64, 0, [("element", 0, 7), ("element", 1, 10)]),
    ("closure", "fn", 13, 32, 0, [("internal", "context", 11)]),
    ("object", "Leaky", 15, 24, 0, [("property", "label", 12), ("hidden", 3, 9)]),
    ("synthetic", "(Global handles)", 17, 0, 0, []),
    ("hidden", "system / Map", 19, 80, 0, []),
    ("object", "Leaky", 21, 24, 0, []),
    ("object", "system / Context", 23, 48, 0, [("context", "secret", 10)]),
    ("string", "h\u00e9llo \"w\"", 25, 20, 0, []),
    ("native", "HTMLDivElement", 27, 100, 2, []),
]


def build(nodes=NODES, node_fields=NODE_FIELDS, edge_fields=("type", "name_or_index", "to_node"),
          counts=True):
    strings = [""]
    index = {"": 0}

    def sid(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    nf = len(node_fields)
    node_rows, edge_rows = [], []
    for t, name, nid, size, det, edges in nodes:
        values = {"type": NODE_TYPES.index(t), "name": sid(name), "id": nid, "self_size": size,
                  "edge_count": len(edges), "trace_node_id": 0, "detachedness": det}
        node_rows.append([values[f] for f in node_fields])
        for et, ni, to in edges:
            name_or_index = ni if et in ("element", "hidden") else sid(ni)
            values = {"type": EDGE_TYPES.index(et), "name_or_index": name_or_index, "to_node": to * nf}
            edge_rows.append([values[f] for f in edge_fields])
    node_types = ["number"] * len(node_fields)
    node_types[node_fields.index("type")] = NODE_TYPES
    edge_types = ["number"] * len(edge_fields)
    edge_types[list(edge_fields).index("type")] = EDGE_TYPES
    meta = {"node_fields": node_fields, "node_types": node_types,
            "edge_fields": list(edge_fields), "edge_types": edge_types,
            "location_fields": ["object_index", "script_id", "line", "column"]}
    head = {"meta": meta}
    if counts:
        head["node_count"] = len(node_rows)
        head["edge_count"] = len(edge_rows)
        head["trace_function_count"] = 0
    out = ['{"snapshot":' + json.dumps(head, separators=(",", ":")) + ",\n"]
    out.append('"nodes":[' + "\n,".join(",".join(map(str, r)) for r in node_rows) + "],\n")
    out.append('"edges":[' + "\n,".join(",".join(map(str, r)) for r in edge_rows) + "],\n")
    out.append('"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[1,2,3,4],\n')
    out.append('"strings":[' + ",\n".join(json.dumps(s) for s in strings) + "]}")
    return "".join(out)


def write(name, text):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        f.write(text)


def main():
    good = build()
    write("tiny.heapsnapshot", good)
    write("truncated.heapsnapshot", good[: good.index('"edges"') + 40])
    write("truncated_strings.heapsnapshot", good[: len(good) - 30])
    write("no_strings.heapsnapshot", good[: good.index(',\n"strings"')] + "}")
    write("malformed.heapsnapshot", good.replace("\n,", "\n,,", 1))
    write("edge_out_of_range.heapsnapshot", _bump_first_edge_target(good))
    write("reordered.heapsnapshot", build(node_fields=["id", "edge_count", "self_size", "name", "type"],
                                          edge_fields=("to_node", "type", "name_or_index"), counts=False))
    no_id = [f for f in NODE_FIELDS if f != "id"]
    write("no_id_field.heapsnapshot", build(node_fields=no_id))
    write("node_count_mismatch.heapsnapshot", good.replace('"node_count":14', '"node_count":15', 1))
    write("edge_count_mismatch.heapsnapshot", _edge_count_mismatch(good))
    write("hostile_counts.heapsnapshot", good.replace('"node_count":14', '"node_count":99999999999999999999999', 1))
    write("hostile_size.heapsnapshot", good.replace('"nodes":[9,0,1,0', '"nodes":[9,0,1,18446744073709551616', 1))
    write("huge_edge_count.heapsnapshot", good.replace('"nodes":[9,0,1,0,2', '"nodes":[9,0,1,0,4000000000', 1))
    write("name_out_of_range.heapsnapshot", good.replace('"nodes":[9,0,1', '"nodes":[9,5000,1', 1))
    dup = list(NODES)
    dup[2] = dup[2][:2] + (3,) + dup[2][3:]
    write("duplicate_id.heapsnapshot", build(nodes=dup))
    write("bad_type.heapsnapshot", good.replace('"nodes":[9,', '"nodes":[99,', 1))
    write("nodes_not_array.heapsnapshot", '{"snapshot":{"meta":{}},"nodes":{"a":1}}')
    write("empty_meta.heapsnapshot", '{"snapshot":{"meta":{}},"nodes":[1,2,3]}')
    write("fraction.heapsnapshot", good.replace('"nodes":[9,0,1,0', '"nodes":[9,0,1.5,0', 1))


def _bump_first_edge_target(good):
    start = good.index('"edges":[') + len('"edges":[')
    end = good.index("\n", start)
    t, n, to = good[start:end].split(",")
    return good[:start] + "%s,%s,%d" % (t, n, 7 * 100) + good[end:]


def _edge_count_mismatch(good):
    start = good.index('"edges":[') + len('"edges":[')
    end = good.index("\n", start)
    return good[:end] + "\n," + good[start:end] + good[end:]


if __name__ == "__main__":
    main()

# renames-1.0.sed: the public names that changed on the way to the 1.0 ABI
# (docs/api.md, "Naming"). Apply to code written against 0.x with
#   sed -E -i -f libgraph/abi/renames-1.0.sed FILE...
# Constructors are _new, _open/_open_memory or _compute; record getters are
# rg_<handle>_<record>_get (counted by rg_<handle>_<record>_count).
s/\brg_diagram_build_set\b/rg_diagram_compute_set/g
s/\brg_diagram_build\b/rg_diagram_compute/g
s/\brg_summary_build\b/rg_summary_compute/g
s/\brg_report_build\b/rg_report_compute/g
s/\brg_suspects_analyze\b/rg_suspects_compute_all/g
s/\brg_objgraph_log_parse\b/rg_objgraph_log_open_memory/g
s/\brg_snapshot_get_info\b/rg_snapshot_info_get/g
s/\brg_summary_get_info\b/rg_summary_info_get/g
s/\brg_diagram_get_stats\b/rg_diagram_stats_get/g
s/\brg_dominators_get_stats\b/rg_dominators_stats_get/g
s/\brg_cycles_get_summary\b/rg_cycles_summary_get/g
s/\brg_cycles_shape\b/rg_cycles_shape_get/g
s/\brg_diff_type\b/rg_diff_type_get/g
s/\brg_diff_group\b/rg_diff_group_get/g
s/\brg_diff_point\b/rg_diff_point_get/g
s/\brg_diff_warning\b/rg_diff_warning_get/g
s/\brg_diff_lifetime_type\b/rg_diff_lifetime_type_get/g
s/\brg_diff_lifetime_group\b/rg_diff_lifetime_group_get/g
s/\brg_summary_type\b/rg_summary_type_get/g
s/\brg_report_diagram\b/rg_report_diagram_get/g
s/\brg_referent\b/rg_referent_get/g
s/\brg_referrer\b/rg_referrer_get/g

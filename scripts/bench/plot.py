# usage: plot.py RESULTS.json OUT.png  -- grouped bar chart of the medians (matplotlib, Agg backend)
import json, sys
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
doc = json.load(open(sys.argv[1]))
cfgs = list(doc['configs'])
COLORS = {'jvs-veth': '#d62728', 'jvs-tap': '#ff9896', 'bridge': '#1f77b4', 'ovs': '#2ca02c',
          'ovs-txoff': '#98df8a', 'veth': '#7f7f7f', 'jvs-gre': '#9467bd', 'ovs-gre': '#bcbd22',
          'jvs-vxlan': '#e377c2', 'kernel-vxlan': '#17becf', 'jvs-routed': '#8c564b',
          'kernel-routed': '#c49c94', 'jvs-snat': '#ff7f0e', 'kernel-snat': '#ffbb78', 'ovs-snat': '#9edae5'}
panels = [
    ('TCP throughput, Gbit/s', [('tcp1_gbps', '1 stream', 1)]
     + [('tcp1_%s_gbps' % doc.get('meta', {}).get('tcp_cc2'), '1 stream %s' % doc.get('meta', {}).get('tcp_cc2'), 1)]
     + [('tcp4_gbps', '4 streams', 1)]),
    ('UDP 64 B flood, kpps', [('pps_rx', 'received', 1e-3), ('pps_tx', 'offered', 1e-3)]),
    ('UDP request-response RTT, us', [('lat_p50_us', 'p50', 1), ('lat_p99_us', 'p99', 1), ('lat_p999_us', 'p99.9', 1)]),
    ('switch CPU per forwarded 64 B packet, us', [('pps_cpu_us_per_pkt', '', 1)]),
]
med = lambda c, m: doc['configs'][c]['median'].get(m)
panels = [(t, [g for g in gs if any(med(c, g[0]) is not None for c in cfgs)]) for t, gs in panels]
panels = [p for p in panels if p[1]]
if not panels:
    sys.exit('plot.py: nothing to plot')
fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.2), squeeze=False)
w = 0.8 / max(1, len(cfgs))
for ax, (title, groups) in zip(axes[0], panels):
    for i, c in enumerate(cfgs):
        xs, ys = [], []
        for j, (m, _, sc) in enumerate(groups):
            v = med(c, m)
            if v is not None:
                xs.append(j + (i - (len(cfgs) - 1) / 2) * w)
                ys.append(v * sc)
        bars = ax.bar(xs, ys, w, label=c, color=COLORS.get(c))
        for b, y in zip(bars, ys):
            ax.annotate(('%.1f' if y < 100 else '%.0f') % y, (b.get_x() + b.get_width() / 2, y),
                        ha='center', va='bottom', fontsize=6, rotation=90, xytext=(0, 2), textcoords='offset points')
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([g[1] for g in groups])
    if 'RTT' in title:
        ax.set_yscale('log')   # p99.9 is often 10-100x p50 on a shared 2-vCPU VM
    ax.set_title(title + (' (log)' if 'RTT' in title else ''), fontsize=10)
    ax.margins(y=0.18) if 'RTT' not in title else None
    ax.grid(axis='y', alpha=0.3)
axes[0][0].legend(fontsize=8)
m = doc.get('meta', {})
fig.suptitle('jvs bench %s  (runs=%s, loadavg at start %s; medians)' % (m.get('when', ''), m.get('runs', '?'), m.get('load_start', '?')), fontsize=10)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)

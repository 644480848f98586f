#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: the bench boots' JSON, judged against the targets, as one
JSON file, PNG plots (gnuplot) and a Markdown report.

Usage: bench_report.py RUNDIR OUTDIR LABEL[=PROFILE]...
  RUNDIR/boot-LABEL/results.log holds each boot's "@@ BEGIN BENCH" frame;
  PROFILE names the boot for report.py verdict (its known upstream defects).
Exit 1 if a boot gave no figures or was not clean (report.py verdict);
a missed target is reported, not an error.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MAP_RATIO_MAX = 2.0        # 1 GiB map / 4 KiB map, same boot
UPSTREAM_RATIO_MAX = 1.5   # ours / upstream, 1 GiB map, same boot
FLAT = 0.30                # revoke per attachment, 10 .. 10 000


def frame(path, kind):
    """The lines of the first '@@ BEGIN kind' frame of a results log."""
    out, inside = [], False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("@@ BEGIN ") and line[9:].split()[0] == kind:
                inside = True
            elif line.startswith("@@ END") and inside:
                return out, line[7:].strip()
            elif inside:
                out.append(line)
    return (out, "unterminated") if inside else (None, "no frame")


def verdict(label, bootdir):
    r = subprocess.run([sys.executable, os.path.join(HERE, "report.py"), "verdict", label,
                        bootdir], capture_output=True, text=True, check=False)
    return r.returncode == 0, r.stdout.strip() or r.stderr.strip()


def by_name(data, name):
    for e in data.get("exporters", []):
        if e.get("name") == name and "error" not in e:
            return e
    return None


def point(exp, key, nbytes=None, ranges=None):
    for p in (exp or {}).get(key, []):
        if "error" in p:
            continue
        if nbytes is not None and p["bytes"] != nbytes:
            continue
        if ranges is not None and p["ranges"] != ranges:
            continue
        return p
    return None


def ratio(a, b):
    return float(a) / float(b) if a is not None and b not in (None, 0, "0", 0.0) else None


def marginal(d):
    """{attachments: ns} each attachment adds to a revoke, beyond one's.

    A revoke of one attachment costs a fixed part (locks, the trigger, the
    wait set-up: milliseconds under TCG) that is no attachment's; what a
    revoke of n costs beyond it, over n - 1, is the per-attachment cost.
    """
    fan = {f["attachments"]: float(f["revoke_us"]) for f in d.get("fanout", [])
           if "error" not in f}
    if 1 not in fan:
        return {}
    return {n: (us - fan[1]) * 1000 / (n - 1) for n, us in fan.items() if n >= 10}


def spread(vals):
    """Largest distance from the median, relative; None without 4 values."""
    v = sorted(vals.values())
    if len(v) != 4:
        return None
    med = (v[1] + v[2]) / 2
    return max(abs(x - med) for x in v) / med if med > 0 else None


def judge(boots):
    """Every target, per boot where it applies: (name, value, limit, met)."""
    out = []
    for label, d in boots.items():
        if d is None:
            continue
        ours = by_name(d, "ours")
        small, big = point(ours, "by_size", 4096), point(ours, "by_size", 1 << 30)
        r = ratio(big and big["reg_us"], small and small["reg_us"])
        out.append((f"{label}: 1 GiB map / 4 KiB map (ours)", r, MAP_RATIO_MAX,
                    r is not None and r <= MAP_RATIO_MAX))
        up = by_name(d, "upstream")
        if up:
            ub = point(up, "by_size", 1 << 30)
            r = ratio(big and big["reg_us"], ub and ub["reg_us"])
            out.append((f"{label}: 1 GiB map, ours / upstream", r, UPSTREAM_RATIO_MAX,
                        r is not None and r <= UPSTREAM_RATIO_MAX))
        dev = spread(marginal(d))
        out.append((f"{label}: revoke ns per added attachment, spread 10..10 000", dev, FLAT,
                    dev is not None and dev <= FLAT))
    return out


def fmt(v, nd=1):
    return "n/a" if v is None else f"{float(v):.{nd}f}"


def plot(outdir, boots):
    """Data files and one gnuplot script; returns the PNG names made."""
    script = ["set terminal png size 900,540 noenhanced", "set grid", "set key outside right top"]
    pngs = []
    series = {"map": [], "ranges": [], "fanout": [], "walk": []}
    for label, d in boots.items():
        if d is None:
            continue
        for e in d.get("exporters", []):
            if "error" in e:
                continue
            for key, col, kind in (("by_size", "bytes", "map"), ("by_ranges", "ranges", "ranges")):
                name = f"{kind}-{label}-{e['name']}.dat"
                rows = [f"{p[col] if col == 'ranges' else p[col] / 1024:g} {p['reg_us']} "
                        f"{p['remap_us']} {p['dereg_us']}"
                        for p in e.get(key, []) if "error" not in p]
                if rows:
                    with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
                        f.write("\n".join(rows) + "\n")
                    series[kind].append((name, f"{label} {e['name']}"))
        rows = [f"{f['attachments']} {f['revoke_us']} {f['walk_us']}"
                for f in d.get("fanout", []) if "error" not in f]
        if rows:
            name = f"fanout-{label}.dat"
            with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
                f.write("\n".join(rows) + "\n")
            series["fanout"].append((name, label))
    for kind, title, xlabel in (("map", "REG_MR (attach + first map) by size",
                                 "buffer KiB (one range)"),
                                ("ranges", "REG_MR of 64 MiB by number of ranges", "ranges")):
        if not series[kind]:
            continue
        script += [f'set output "{kind}.png"', f'set title "{title}"', "set logscale xy",
                   f'set xlabel "{xlabel}"', 'set ylabel "median us"',
                   "plot " + ", ".join(f'"{n}" using 1:2 with linespoints title "{t}"'
                                       for n, t in series[kind])]
        pngs.append(f"{kind}.png")
    if series["fanout"]:
        script += ['set output "fanout.png"', 'set title "revoke vs the bare walk, by attachments"',
                   "set logscale xy", 'set xlabel "attachments"', 'set ylabel "median us"',
                   "plot " + ", ".join(
                       f'"{n}" using 1:2 with linespoints title "{t} revoke", '
                       f'"{n}" using 1:3 with linespoints dashtype 2 title "{t} walk"'
                       for n, t in series["fanout"])]
        pngs.append("fanout.png")
    rows = []
    for label, d in boots.items():
        for c in (d or {}).get("cycle", []):
            if "error" not in c:
                rows.append(f'"{label}\\n{c["exporter"]}" {c["per_s"]}')
    if rows:
        with open(os.path.join(outdir, "cycle.dat"), "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")
        script += ['set output "cycle.png"', 'set title "create-register-access-revoke-close"',
                   "unset logscale", 'set xlabel ""', 'set ylabel "cycles/s"', "set yrange [0:*]",
                   "set style fill solid 0.6", "set boxwidth 0.6", "set xtics font ',8'",
                   'plot "cycle.dat" using 0:2:xtic(1) with boxes notitle']
        pngs.append("cycle.png")
    with open(os.path.join(outdir, "plots.gp"), "w", encoding="utf-8") as f:
        f.write("\n".join(script) + "\n")
    r = subprocess.run(["gnuplot", "plots.gp"], cwd=outdir, capture_output=True, text=True,
                       check=False)
    if r.returncode:
        print(f"bench: gnuplot failed: {r.stderr.strip()}", file=sys.stderr)
        return []
    return pngs


def lat_table(exp, key):
    lines = ["| KiB | ranges | reg us | remap us | dereg us | sg entries | DMA maps |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for p in exp.get(key, []):
        if "error" in p:
            lines.append(f"| {p['bytes'] // 1024} | {p['ranges']} | n/a: {p['error']} ||||")
        else:
            dm = "-" if p.get("dma_maps") is None else p["dma_maps"]
            lines.append(f"| {p['bytes'] // 1024} | {p['ranges']} | {p['reg_us']} | "
                         f"{p['remap_us']} | {p['dereg_us']} | {p['sg_entries']} | {dm} |")
    return lines


def markdown(boots, status, targets, pngs):
    md = ["# dmabuf-p2p bench", ""]
    md += ["| boot | kernel | IOMMU | run |", "|---|---|---|---|"]
    for label, d in boots.items():
        md.append(f"| {label} | {(d or {}).get('kernel', '?')} | {(d or {}).get('iommu', '?')} "
                  f"| {status[label]} |")
    md += ["", "## Targets", "", "| target | value | limit | |", "|---|---:|---:|---|"]
    for name, v, lim, met in targets:
        md.append(f"| {name} | {fmt(v, 2)} | {lim} | {'met' if met else 'MISSED'} |")
    for png in pngs:
        md += ["", f"![{png[:-4]}]({png})"]
    for label, d in boots.items():
        if d is None:
            continue
        md += ["", f"## {label}"]
        for e in d.get("exporters", []):
            head = f"### map latency, {e['name']} ({e.get('device', '?')}, {e.get('driver', '?')})"
            if "error" in e:
                md += ["", head, "", f"n/a: {e['error']}"]
                continue
            md += ["", head, ""] + lat_table(e, "by_size") + [""] + lat_table(e, "by_ranges")
        md += ["", "### revoke fan-out", "",
               "ns/attachment: the revoke over the attachments; added: what each "
               "attachment adds to a revoke of one.", "",
               "| attachments | buffers | revoke us | walk us | ns/attachment | added ns "
               "| revoke/walk |",
               "|---:|---:|---:|---:|---:|---:|---:|"]
        added = marginal(d)
        for f in d.get("fanout", []):
            if "error" in f:
                md.append(f"| {f['attachments']} | n/a: {f['error']} ||||||")
            else:
                md.append(f"| {f['attachments']} | {f['buffers']} | {f['revoke_us']} | "
                          f"{f['walk_us']} | {f['per_attachment_ns']} | "
                          f"{fmt(added.get(f['attachments']), 0)} | {f['ratio']} |")
        md += ["", "### cycle", "", "| exporter | cycles/s | cycles | s |", "|---|---:|---:|---:|"]
        for c in d.get("cycle", []):
            if "error" in c:
                md.append(f"| {c['exporter']} | n/a: {c['error']} |||")
            else:
                md.append(f"| {c['exporter']} | {c['per_s']} | {c['cycles']} | {c['seconds']} |")
    return "\n".join(md) + "\n"


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    rundir, outdir, labels = argv[1], argv[2], argv[3:]
    os.makedirs(outdir, exist_ok=True)
    boots, status, bad = {}, {}, 0
    for spec in labels:
        label, _, profile = spec.partition("=")
        bootdir = os.path.join(rundir, f"boot-{label}")
        lines, end = frame(os.path.join(bootdir, "results.log"), "BENCH") \
            if os.path.exists(os.path.join(bootdir, "results.log")) else (None, "no log")
        try:
            boots[label] = json.loads("\n".join(lines)) if lines else None
        except ValueError as e:
            boots[label] = None
            end = f"bad JSON: {e}"
        clean, why = verdict(f"{profile or label}:bench", bootdir)
        status[label] = "clean" if clean and boots[label] else \
            f"FAILED: {why if not clean else end}"
        if status[label] != "clean":
            bad += 1
            print(f"bench: {label}: {status[label]} (logs in {bootdir})", file=sys.stderr)
    targets = judge(boots)
    pngs = plot(outdir, boots)
    with open(os.path.join(outdir, "bench.json"), "w", encoding="utf-8") as f:
        json.dump({"boots": boots, "status": status,
                   "targets": [{"target": n, "value": v, "limit": lim, "met": m}
                               for n, v, lim, m in targets]}, f, indent=1)
    with open(os.path.join(outdir, "bench.md"), "w", encoding="utf-8") as f:
        f.write(markdown(boots, status, targets, pngs))
    for name, v, lim, met in targets:
        print(f"{name:60s} {fmt(v, 2):>8s}  <= {lim:<4}  {'met' if met else 'MISSED'}")
    print(f"bench: report in {outdir}/bench.md ({len(pngs)} plots), figures in bench.json")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

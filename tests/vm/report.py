#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the VM's serial logs and the host checks into one verdict.

Every result is appended to a JSON-lines file ($P2P_REPORT); `summary`
prints the per-suite table and the closing "N passed, N failed, N skipped"
line and exits non-zero on any failure. Kernel splats on the console fail a
boot whatever its tests said.

  report.py boot LABEL OUTDIR
  report.py expect-fail LABEL OUTDIR KIND     KIND: kunit | timeout | a detector
                                              of splat-patterns (warn, kasan, ...)
  report.py verdict LABEL OUTDIR              "clean" or the first failure; exit 1

  report.py record SUITE NAME ok|fail|skip [DETAIL]
  report.py summary
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_patterns():
    """(kind, fatal, compiled ERE) from splat-patterns, the one shared list."""
    pats = []
    with open(os.path.join(HERE, "splat-patterns")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            kind, fatal, ere = line.rstrip("\n").split("\t", 2)
            pats.append((kind, fatal == "yes", re.compile(ere)))
    return pats


PATTERNS = load_patterns()


def splat_kinds(line):
    return {k for k, _, rx in PATTERNS if rx.search(line)}


RESULT_RE = re.compile(r"^(\s*)(ok|not ok)\s+\d+\s*-?\s*([^#]*?)\s*(#\s*(\S+)\s*(.*))?$")


def report_file():
    return os.environ.get("P2P_REPORT", "/tmp/dmabuf-p2p-report.jsonl")


def emit(suite, name, status, detail=""):
    rec = {"suite": suite, "name": name, "status": status, "detail": detail}
    with open(report_file(), "a") as f:
        f.write(json.dumps(rec) + "\n")
    tag = {"ok": "PASS", "fail": "FAIL", "skip": "SKIP"}[status]
    extra = f" ({detail})" if detail else ""
    print(f"{tag} {suite}: {name}{extra}")


def parse_tap(lines):
    """Leaf results of a (K)TAP stream: [(name, status, reason)], plan, bail."""
    results, plan = [], None
    prev_indent = None
    for raw in lines:
        line = raw.rstrip("\n")
        m = RESULT_RE.match(line)
        if m:
            indent = len(m.group(1))
            # A parent's result line follows its last child's, deeper one.
            parent = prev_indent is not None and prev_indent > indent
            prev_indent = indent
            if parent:
                continue
            directive = (m.group(5) or "").upper()
            if directive == "SKIP":
                results.append((m.group(3), "skip", m.group(6) or ""))
            elif m.group(2) == "ok":
                results.append((m.group(3), "ok", ""))
            else:
                results.append((m.group(3), "fail", m.group(6) or ""))
            continue
        p = re.match(r"^1\.\.(\d+)\s*(#\s*SKIP\s*(.*))?", line)
        if p and plan is None:
            plan = (int(p.group(1)), p.group(3))
    return results, plan


def frames(path):
    """Yield (kind, arg, body_lines, end_arg) frames of results.log."""
    cur, body = None, []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.replace("\r", "")
            if line.startswith("@@ BEGIN "):
                cur, body = line[9:].strip().split(" ", 1) + [""], []
                cur = cur[:2]
            elif line.startswith("@@ END") and cur:
                yield cur[0], cur[1], body, line[6:].strip()
                cur = None
            elif line.startswith("@@ ") and not cur:
                yield "LINE", line[3:].strip(), [], ""
            elif cur:
                body.append(line)
    if cur:
        yield cur[0], cur[1], body, None


def splats(outdir):
    """[(line, kinds)] of the boot's kernel log."""
    found = []
    path = os.path.join(outdir, "console.log")
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            for line in f:
                kinds = splat_kinds(line)
                if kinds:
                    found.append((line.strip(), kinds))
    return found


def boot_end(outdir):
    """How boot.sh says the boot ended: done | timeout | fatal | qemu-failed."""
    try:
        with open(os.path.join(outdir, "end")) as f:
            return f.read().strip()
    except OSError:
        return "timeout"


def analyze(label, outdir, out=emit):
    """Pass every result of one boot to out(); return the failure kinds.

    LABEL may be PROFILE:PART for a profile split over several boots: the
    boot's own results (insmod, kernel log, kmemleak...) then name the part.
    """
    kinds = set()
    label, _, part = label.partition(":")
    tag = f" ({part} part)" if part else ""

    def fail(name, detail, kind):
        kinds.add(kind)
        out(label, name, "fail", detail)

    done = False
    res = os.path.join(outdir, "results.log")
    for kind, arg, body, end in frames(res) if os.path.exists(res) else []:
        if kind == "LINE":
            if arg == "DONE":
                done = True
            elif arg.startswith("RESULT "):
                parts = arg.split(" ", 2)
                st, rest = parts[1], parts[2] if len(parts) > 2 else ""
                name, _, detail = rest.partition(" ")
                name = rest if st == "ok" else rest
                if st == "fail":
                    fail(rest + tag, "", "result")
                else:
                    out(label, rest + tag, st)
            continue
        if kind == "JSON":
            name = f"{arg} --json"
            try:
                obj = json.loads("".join(body))
            except ValueError as e:
                fail(name, f"not one JSON object: {e}", "tap")
                continue
            st = obj.get("result") if isinstance(obj, dict) else None
            if st == "pass":
                out(f"{label}/cli", name, "ok")
            elif st == "skip":
                out(f"{label}/cli", name, "skip", obj.get("reason", ""))
            else:
                fail(name, obj.get("error") or f"result {st!r}", "tap")
            continue
        if kind in ("KTAP", "TAP"):
            suite = f"{label}/{arg}"
            results, plan = parse_tap(body)
            if end is None:
                fail(f"{suite}", "output cut off", "kunit" if kind == "KTAP" else "tap")
            if kind == "TAP" and plan and plan[0] == 0:
                out(suite, "(all)", "skip", plan[1] or "skipped")
                continue
            for name, st, detail in results:
                if st == "fail":
                    fail(f"{arg}: {name}", detail, "kunit" if kind == "KTAP" else "tap")
                else:
                    out(suite, name, st, detail)
            if kind == "KTAP":
                # The suite line itself is a parent; count only cases.
                pass
            if plan and len(results) < plan[0] and kind == "TAP":
                fail(f"{arg}", f"{plan[0] - len(results)} planned cases missing", "tap")
            rc = re.search(r"rc=(\d+)", end or "")
            if kind == "TAP" and rc and rc.group(1) not in ("0", "4") and \
                    not any(r[1] == "fail" for r in results):
                fail(f"{arg}", f"exit status {rc.group(1)}", "tap")
            if not results and not plan:
                fail(f"{arg}", "no results", "kunit" if kind == "KTAP" else "tap")
        elif kind == "KMEMLEAK":
            leaks = [b for b in body if b.strip()]
            if leaks:
                fail("kmemleak" + tag, leaks[0].strip(), "kmemleak")
            else:
                out(label, "kmemleak clean" + tag, "ok")
    found = splats(outdir)
    if found:
        if out is emit:
            for line, _ in found[:10]:
                print(f"    splat: {line}")
        for _, k in found:
            kinds |= k
        fail("kernel log clean" + tag, f"{len(found)} splat line(s): {found[0][0]}", "splat")
    else:
        out(label, "kernel log clean" + tag, "ok")
    end = boot_end(outdir)
    if end == "fatal":
        with open(os.path.join(outdir, "fatal"), errors="replace") as f:
            first = f.read().strip()
        kinds |= splat_kinds(first)
        fail("boot" + tag, f"ended on the first fatal report: {first}", "fatal")
    elif end == "timeout":
        fail("boot" + tag, "timed out", "timeout")
    elif end == "qemu-failed":
        fail("boot" + tag, "QEMU failed (see qemu.log)", "qemu")
    elif not done:
        fail("boot" + tag, "guest never reported done", "timeout")
    return kinds


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "boot":
        kinds = analyze(argv[2], argv[3])
        return 1 if kinds else 0
    if cmd == "verdict":
        fails = []
        kinds = analyze(argv[2], argv[3],
                        lambda s, n, st, d="": fails.append(f"{n}: {d}") if st == "fail" else None)
        # How the boot ended says more than what it cut off.
        fails.sort(key=lambda f: not f.startswith("boot"))
        print("clean" if not kinds else fails[0] if fails else sorted(kinds))
        return 1 if kinds else 0
    if cmd == "expect-fail":
        label, outdir, want = argv[2], argv[3], argv[4]
        kinds = analyze(label, outdir, lambda *a: None)
        name = f"catches {want} ({label})"
        # A detector must report the fault itself: a boot that only timed
        # out proves the timeout works, not the detector.
        if want != "timeout" and boot_end(outdir) == "timeout":
            emit("rig", name, "fail", f"boot timed out; detectors saw {sorted(kinds - {'timeout'})}")
            return 1
        if want in kinds:
            emit("rig", name, "ok")
            return 0
        emit("rig", name, "fail", f"rig saw {sorted(kinds) or 'nothing'}")
        return 1
    if cmd == "record":
        emit(argv[2], argv[3], argv[4], argv[5] if len(argv) > 5 else "")
        return 0 if argv[4] != "fail" else 1
    if cmd == "summary":
        recs = []
        if os.path.exists(report_file()):
            with open(report_file()) as f:
                recs = [json.loads(x) for x in f if x.strip()]
        suites = {}
        for r in recs:
            s = suites.setdefault(r["suite"].split("/")[0], [0, 0, 0])
            s[{"ok": 0, "fail": 1, "skip": 2}[r["status"]]] += 1
        print("\n%-28s %7s %7s %7s" % ("suite", "passed", "failed", "skipped"))
        for name, (p, fl, sk) in suites.items():
            print("%-28s %7d %7d %7d" % (name, p, fl, sk))
        fails = [r for r in recs if r["status"] == "fail"]
        for r in fails:
            print(f"FAILED {r['suite']}: {r['name']} {r['detail']}")
        tot = [sum(s[i] for s in suites.values()) for i in range(3)]
        print(f"{tot[0]} passed, {tot[1]} failed, {tot[2]} skipped")
        return 1 if tot[1] or not recs else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

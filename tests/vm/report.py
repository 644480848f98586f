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

  report.py conform OURS UPSTREAM EXCEPTIONS  `dmabuf-p2p conform --json` of our exporter
                                              and of upstream vfio-pci, case by case
                                              (suite k7-conform; EXCEPTIONS: the accepted
                                              differences, see tests/vm/conform-exceptions)
  report.py conform-selftest                  check that comparison on built-in data
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

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


def kunit_py():
    """kunit.py of a kernel tree the rig extracted ($P2P_KUNIT_PY first)."""
    path = os.environ.get("P2P_KUNIT_PY", "")
    if os.path.isfile(path):
        return path
    cache = os.environ.get("DMABUF_P2P_CACHE",
                           os.path.expanduser("~/.cache/dmabuf-p2p"))
    found = sorted(glob.glob(os.path.join(cache, "src", "*", "tools", "testing",
                                          "kunit", "kunit.py")))
    return found[0] if found else None


def parse_ktap(lines):
    """Leaf results of one KTAP document as `kunit.py parse` reads it.

    Returns ([(name, status, detail)], complaint): the complaint is kunit.py's
    last word when it found the run broken (crash, missing cases) or could
    not run. kunit.py's JSON has no reasons, so a skip's reason is the text
    after "# SKIP" on its result line, a failure's detail the first line
    kunit.py printed from that case's log.
    """
    exe = kunit_py()
    if not exe:
        return [], "no kunit.py: set P2P_KUNIT_PY or let the rig extract a kernel tree"
    with tempfile.TemporaryDirectory() as d:
        src, js = os.path.join(d, "ktap"), os.path.join(d, "json")
        with open(src, "w") as f:
            f.writelines(lines)
        p = subprocess.run([sys.executable, exe, "parse", f"--json={js}", src],
                           capture_output=True, text=True, check=False)
        try:
            with open(js) as f:
                tree = json.load(f)
        except (OSError, ValueError):
            last = (p.stdout + p.stderr).strip().splitlines()[-1:] or ["no output"]
            return [], f"kunit.py parse failed (exit {p.returncode}): {last[0]}"
    printed = [re.sub(r"^\[[0-9:]+\]\s*", "", ln) for ln in p.stdout.splitlines()]
    results = []

    def detail(name, status):
        if status == "skip":
            tail = [ln.split("# SKIP", 1)[1].strip() for ln in lines
                    if f" {name} # SKIP" in ln]
            return tail[0] if tail else ""
        said = [ln.strip("# ") for ln in printed if f"# {name}: " in ln]
        return said[0] if said else ""

    def walk(group, prefix):
        for case in group.get("test_cases", []):
            st = {"PASS": "ok", "SKIP": "skip"}.get(case["status"], "fail")
            name = prefix + case["name"]
            results.append((name, st, detail(case["name"], st) or
                            ("" if st == "ok" else case["status"])))
        for sub in group.get("sub_groups", []):
            # Below the suite, a group is a parameterised case.
            walk(sub, prefix + sub["name"] + ": " if group is not tree else prefix)

    walk(tree, "")
    complaint = None
    if p.returncode and not any(r[1] == "fail" for r in results):
        complaint = (printed[-1:] or ["exit status %d" % p.returncode])[0]
    return results, complaint


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


def known_defects(profile):
    """(name, ERE) of the upstream defects a profile's kmemleak may show.

    tests/vm/upstream-defects: PROFILE<TAB>kmemleak<TAB>ERE<TAB>NAME. A leak
    whose report matches ERE is that defect, asserted present: the boot
    fails on any other leak, and when the defect stops showing (upstream
    fixed it) so the entry goes.
    """
    known = []
    with open(os.path.join(HERE, "upstream-defects")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            prof, kind, ere, name = line.rstrip("\n").split("\t", 3)
            if prof == profile and kind == "kmemleak":
                known.append((name, re.compile(ere)))
    return known


def leak_objects(body):
    """kmemleak's report split into one text per unreferenced object."""
    objs = []
    for line in body:
        if line.startswith("unreferenced object"):
            objs.append("")
        if objs:
            objs[-1] += line
    return objs


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
    # kmemleak's console line is a splat, unless every leak was a known one.
    leaks_known = False
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
            if kind == "KTAP":
                results, complaint = parse_ktap(body)
                plan = None
                if complaint:
                    fail(f"{arg}", f"kunit.py: {complaint}", "kunit")
            else:
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
            if plan and len(results) < plan[0] and kind == "TAP":
                fail(f"{arg}", f"{plan[0] - len(results)} planned cases missing", "tap")
            rc = re.search(r"rc=(\d+)", end or "")
            if kind == "TAP" and rc and rc.group(1) not in ("0", "4") and \
                    not any(r[1] == "fail" for r in results):
                fail(f"{arg}", f"exit status {rc.group(1)}", "tap")
            if not results and not plan:
                fail(f"{arg}", "no results", "kunit" if kind == "KTAP" else "tap")
        elif kind == "KMEMLEAK":
            objs = leak_objects(body)
            for name, ere in known_defects(label):
                seen = [o for o in objs if ere.search(o)]
                objs = [o for o in objs if not ere.search(o)]
                if seen:
                    out(label, f"known upstream defect still present{tag}: {name}", "ok",
                        f"{len(seen)} leaked object(s)")
                elif os.environ.get("P2P_FILTERED"):
                    out(label, f"known upstream defect{tag}: {name}", "skip",
                        "not exercised: make check T= ran a subset")
                else:
                    fail(f"known upstream defect{tag}: {name}",
                         "no longer seen: drop it from tests/vm/upstream-defects",
                         "kmemleak")
            if objs:
                fail("kmemleak" + tag, objs[0].splitlines()[0].strip(), "kmemleak")
            else:
                leaks_known = bool(leak_objects(body))
                out(label, "kmemleak clean" + tag, "ok")
    found = splats(outdir)
    if leaks_known:
        found = [(line, k) for line, k in found if k != {"kmemleak"}]
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


CONFORM_SUITE = "k7-conform"
# What two exporters must agree on; the rest of a case (reason) is commentary.
CONFORM_KEYS = ("result", "errno", "size", "accmode", "nonblock", "cloexec")


def parse_conform(text):
    """The `dmabuf-p2p conform --json` object in TEXT: the whole text, or
    else its first line that is a JSON object with "cases" (a console log
    or results.log holds other lines around it)."""
    try:
        obj = json.loads(text)
        if isinstance(obj, dict) and "cases" in obj:
            return obj
    except ValueError:
        pass
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and "cases" in obj:
            return obj
    raise ValueError("no JSON object with \"cases\"")


def parse_exceptions(text):
    """{case: reason} from NAME<TAB>REASON lines (# comments, blanks
    ignored), and the malformed lines as [(lineno, line)]."""
    exc, bad = {}, []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, tab, reason = line.partition("\t")
        if not tab or not name.strip() or not reason.strip():
            bad.append((n, line))
            continue
        exc[name.strip()] = reason.strip()
    return exc, bad


def conform_outcome(case):
    """A case's outcome as one short word list, for details."""
    r = case.get("result")
    if r == "errno":
        return case.get("errno", "?")
    if r == "fd":
        return "fd size=%s %s%s%s" % (case.get("size"), case.get("accmode"),
                                      " nonblock" if case.get("nonblock") else "",
                                      " cloexec" if case.get("cloexec") else "")
    return str(r)


def conform_compare(ours, upstream, exceptions):
    """[(name, status, detail)] for two conform objects and {case: reason}.

    Same outcome: ok, unless listed (a stale exception: fail). Different:
    fail, unless listed (ok). On one side only: fail. n/a on either: skip.
    An exception naming no case of either run is stale too.
    """
    out = []
    if ours.get("driver") == upstream.get("driver"):
        out.append(("drivers differ", "fail",
                    f"both runs on driver {ours.get('driver')!r}: nothing compared"))
    else:
        out.append(("drivers differ", "ok",
                    f"ours {ours.get('driver')}, upstream {upstream.get('driver')}"))
    a = {c.get("name"): c for c in ours.get("cases", [])}
    b = {c.get("name"): c for c in upstream.get("cases", [])}
    names = list(a) + [n for n in b if n not in a]
    for name in names:
        listed = exceptions.get(name)
        if name not in a or name not in b:
            side = "ours" if name in a else "upstream"
            out.append((name, "fail", f"only in the {side} run"))
            continue
        ca, cb = a[name], b[name]
        na = [f"{side}: {c.get('reason') or 'n/a'}" for side, c in
              (("ours", ca), ("upstream", cb)) if c.get("result") == "n/a"]
        if na:
            out.append((name, "skip", "n/a on " + "; ".join(na)))
            continue
        ka = tuple(ca.get(k) for k in CONFORM_KEYS)
        kb = tuple(cb.get(k) for k in CONFORM_KEYS)
        if ka == kb:
            if listed is not None:
                out.append((name, "fail", f"exception no longer needed ({listed}): "
                                          f"both {conform_outcome(ca)}"))
            else:
                out.append((name, "ok", conform_outcome(ca)))
        elif listed is not None:
            out.append((name, "ok", f"differs as listed: {listed}"))
        else:
            out.append((name, "fail", f"ours {conform_outcome(ca)}, "
                                      f"upstream {conform_outcome(cb)}"))
    for name in exceptions:
        if name not in a and name not in b:
            out.append((name, "fail", "exception no longer needed: no such case"))
    return out


def conform(ours_path, upstream_path, exc_path):
    """Record the comparison; exit status 1 on any failure."""
    try:
        with open(ours_path, errors="replace") as f:
            ours = parse_conform(f.read())
        with open(upstream_path, errors="replace") as f:
            upstream = parse_conform(f.read())
        with open(exc_path) as f:
            exc, bad = parse_exceptions(f.read())
    except (OSError, ValueError) as e:
        emit(CONFORM_SUITE, "inputs", "fail", str(e))
        return 1
    results = [("exceptions line %d" % n, "fail", f"want NAME<TAB>REASON: {line!r}")
               for n, line in bad]
    results += conform_compare(ours, upstream, exc)
    for name, status, detail in results:
        emit(CONFORM_SUITE, name, status, detail)
    return 1 if any(st == "fail" for _, st, _ in results) else 0


def conform_selftest():
    """The comparison's statuses on built-in results; exit 0 if all hold."""
    def fd(name, size=4096, cloexec=True):
        return {"name": name, "result": "fd", "size": size, "accmode": "O_RDWR",
                "nonblock": False, "cloexec": cloexec}

    def err(name, e):
        return {"name": name, "result": "errno", "errno": e}

    ours = {"driver": "dmabuf_p2p_exp", "cases": [
        err("equal", "EINVAL"), err("differ-listed", "E2BIG"),
        err("differ-unlisted", "EINVAL"), err("stale", "EINVAL"),
        err("ours-only", "EINVAL"), {"name": "na", "result": "n/a", "reason": "no I/O BAR"},
        fd("fd-equal"), fd("fd-flags", cloexec=False), fd("fd-size", size=8192),
        err("fd-vs-errno", "EINVAL")]}
    upstream = {"driver": "vfio-pci", "cases": [
        err("equal", "EINVAL"), err("differ-listed", "EINVAL"),
        err("differ-unlisted", "ENODEV"), err("stale", "EINVAL"),
        err("na", "EINVAL"), err("upstream-only", "EINVAL"),
        fd("fd-equal"), fd("fd-flags"), fd("fd-size"), fd("fd-vs-errno")]}
    exc, bad = parse_exceptions("# header\n\ndiffer-listed\tupstream caps later\n"
                                "stale\tfixed since\ngone\tno such case\nno tab here\n")
    assert bad == [(6, "no tab here")], bad
    want = {"drivers differ": "ok", "equal": "ok", "differ-listed": "ok",
            "differ-unlisted": "fail", "stale": "fail", "ours-only": "fail",
            "na": "skip", "upstream-only": "fail", "fd-equal": "ok", "fd-flags": "fail",
            "fd-size": "fail", "fd-vs-errno": "fail", "gone": "fail"}
    got = {n: (st, d) for n, st, d in conform_compare(ours, upstream, exc)}
    checks = 0
    for name, st in want.items():
        assert name in got, f"{name}: no result"
        assert got[name][0] == st, f"{name}: {got[name]}, want {st}"
        checks += 1
    assert len(got) == len(want), sorted(set(got) - set(want))
    assert got["differ-listed"][1] == "differs as listed: upstream caps later"
    assert got["stale"][1].startswith("exception no longer needed")
    assert got["na"][1] == "n/a on ours: no I/O BAR", got["na"]
    same = dict(upstream, driver="dmabuf_p2p_exp")
    assert conform_compare(ours, same, {})[0][1] == "fail"
    # The object found amid other lines, and the whole-file form.
    text = "boot noise\n{\"other\": 1}\n" + json.dumps(ours) + "\ntrailer\n"
    assert parse_conform(text)["driver"] == "dmabuf_p2p_exp"
    assert parse_conform(json.dumps(upstream, indent=2))["driver"] == "vfio-pci"
    try:
        parse_conform("nothing\n")
        raise AssertionError("parse_conform accepted no object")
    except ValueError:
        pass
    print(f"conform-selftest: ok ({checks} case statuses, parsing, exceptions file)")
    return 0


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
    if cmd == "conform" and len(argv) == 5:
        return conform(argv[2], argv[3], argv[4])
    if cmd == "conform-selftest":
        return conform_selftest()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Print medians of JMH results (from -rf json) and ratios to a baseline row of the same run.

usage: jmh-medians.py RESULT.json [--metric frames] [--baseline key=value,...]

Each row: benchmark, parameters, the median over measurement iterations, min..max, and the ratio of the
median to the baseline's median (the first row whose parameters match --baseline with the other
parameters equal, or the first row of the benchmark when --baseline is not given).
"""
import json
import statistics
import sys


def rows(path, metric):
    for result in json.load(open(path)):
        params = result.get("params", {})
        if metric:
            data = result.get("secondaryMetrics", {}).get(metric)
            if data is None:
                continue
        else:
            data = result["primaryMetric"]
        samples = [v for fork in data["rawData"] for v in fork]
        yield result["benchmark"].split(".")[-2] + "." + result["benchmark"].split(".")[-1], params, samples, data["scoreUnit"]


def main(argv):
    path = argv[1]
    metric = None
    baseline = {}
    args = argv[2:]
    while args:
        if args[0] == "--metric":
            metric = args[1]
            args = args[2:]
        elif args[0] == "--baseline":
            baseline = dict(kv.split("=") for kv in args[1].split(","))
            args = args[2:]
        else:
            sys.exit("unknown argument " + args[0])
    table = [(name, params, statistics.median(s), min(s), max(s), unit) for name, params, s, unit in rows(path, metric)]
    for name, params, median, lo, hi, unit in table:
        ref = None
        for n2, p2, m2, *_ in table:
            if n2 != name:
                continue
            if all(p2.get(k) == v for k, v in baseline.items()) and \
                    all(p2.get(k) == params.get(k) for k in params if k not in baseline):
                ref = m2
                break
        ratio = "" if ref is None else "%.2f" % (median / ref)
        p = " ".join("%s=%s" % kv for kv in sorted(params.items()))
        print("%-28s %-40s median %14.3f  (%s..%s) %s  ratio %s" % (name, p, median, "%.3g" % lo, "%.3g" % hi, unit, ratio))


if __name__ == "__main__":
    main(sys.argv)

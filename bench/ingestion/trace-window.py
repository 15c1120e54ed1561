#!/usr/bin/env python3
"""Where in a round the time goes (bench.mjs --trace FILE): per round and arm, the round's records/s, the
steady rate (completions C … n − C, C = concurrency: the pipeline full), the fill (first answer) and the
drain (after the (n − C)-th answer), the mean delivery time, and the rate per window of W deliveries.
  python3 bench/ingestion/trace-window.py FILE [W=20]"""
import json, sys

t = json.load(open(sys.argv[1]))
w = int(sys.argv[2]) if len(sys.argv) > 2 else 20
size, c = t['batchSize'], t['concurrency']
for r in t['rounds']:
    out = []
    for arm in ('api', 'direct'):
        spans = r[arm]
        n = len(spans)
        ends = sorted(e for _, e in spans)
        total = ends[-1]
        steady = (n - 2 * c) * size / (ends[n - c - 1] - ends[c - 1]) * 1000
        lat = sum(e - s for s, e in spans) / n
        wins = [round(min(w, n - i) * size / (ends[min(i + w, n) - 1] - (ends[i - 1] if i else 0)) * 1000) for i in range(0, n, w)]
        out.append(f"{arm} {n * size / total * 1000:>7,.0f}/s steady {steady:>7,.0f} fill {ends[0]:4.0f} drain {total - ends[n - c - 1]:4.0f} ms, delivery {lat:4.0f} ms, windows {wins}")
        if arm == 'api': api_total, api_steady = n * size / total * 1000, steady
        else: d_total, d_steady = n * size / total * 1000, steady
    print(f"round {r['round']}: ratio {api_total / d_total:.1%}, steady {api_steady / d_steady:.1%}\n  " + "\n  ".join(out))

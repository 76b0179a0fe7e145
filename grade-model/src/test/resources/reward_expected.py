# Produces the expected numbers of CompositeRewardTest by brute force (python3, no packages).
import math
scores = [[0.5, 0.1], [0.2, 0.4], [0.1, 0.2]]
labels = [[0, 0], [1, 0], [0, 0]]

def ndcg(order, gains, k):
    k = min(k, len(order))
    dcg = sum(gains[order[i]] / math.log2(i + 2) for i in range(k))
    ideal = sorted(gains, reverse=True)
    idcg = sum(ideal[i] / math.log2(i + 2) for i in range(k))
    return None if idcg <= 0 else dcg / idcg

def part(order, table):
    vals = [ndcg(order, [row[t] for row in table], 10) for t in range(2)]
    vals = [v for v in vals if v is not None]
    return sum(vals) / len(vals) if vals else 0.0

def minmax(table):
    cols = list(zip(*table))
    out = [[(v - min(c)) / (max(c) - min(c)) for v in c] for c in cols]
    return [list(r) for r in zip(*out)]

for w in ([0.9, 0.1], [0.1, 0.9]):
    f = [sum(w[k] * math.log(s[k]) for k in range(2)) for s in scores]
    order = sorted(range(3), key=lambda j: -f[j])
    post, prior = part(order, labels), part(order, minmax(scores))
    print(w, order, "post=%.12f prior=%.12f base=%.12f" % (post, prior, post + 0.3 * prior))

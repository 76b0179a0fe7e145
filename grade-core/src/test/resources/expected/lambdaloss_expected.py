"""Produces the hand-checked numbers of LambdaLossTest (run: python3 lambdaloss_expected.py).

Straight transcription of the formula in LambdaLoss's Javadoc (NDCG-Loss2, Wang et al. 2018),
independent of the Java code: exponential gains, sigma = 1, full-list discount.
"""
import math

def loss(z, gains, pi, sigma=1.0, exponential=True):
    m, n = len(z), len(pi)
    f = [sum(z[j][k] * pi[k] for k in range(n)) for j in range(m)]
    order = sorted(range(m), key=lambda j: (-f[j], j))
    rank = {j: pos + 1 for pos, j in enumerate(order)}
    g = [(2 ** x - 1) if exponential else x for x in gains]
    ideal = sorted(g, reverse=True)
    max_dcg = sum(ideal[r - 1] / math.log2(1 + r) for r in range(1, m + 1))
    G = [x / max_dcg for x in g]
    D = lambda k: math.log2(1 + k)
    total = 0.0
    for i in range(m):
        for j in range(m):
            if gains[i] > gains[j]:
                gap = abs(rank[i] - rank[j])
                delta = abs(1 / D(gap) - 1 / D(gap + 1))
                s = sigma * (f[i] - f[j])
                total += -delta * abs(G[i] - G[j]) * math.log2(1 / (1 + math.exp(-s)))
    return total

# two items, one task: delta = 1 - 1/log2(3), loss = delta * log2(1 + e^-1)
print("two items:", repr(loss([[1.0], [0.0]], [1.0, 0.0], [1.0])))
# three items, two tasks, gains 2 / 0 / 1, item order by f = 1, 2, 0 (the best item ranked last)
z3 = [[0.2, -1.0], [1.0, 0.5], [0.4, 0.3]]
print("three items exp:", repr(loss(z3, [2.0, 0.0, 1.0], [0.3, 0.7])))
print("three items lin:", repr(loss(z3, [2.0, 0.0, 1.0], [0.3, 0.7], exponential=False)))

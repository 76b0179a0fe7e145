"""Produces the hand-checked numbers of PolicyForwardTest (run: python3 policy_forward_expected.py).

A direct transcription of docs/SPEC.md section 4 with plain lists, independent of the Java code.
"""
import math

def relu(v): return [max(0.0, a) for a in v]
def affine(W, b, v): return [sum(w * a for w, a in zip(row, v)) + bb for row, bb in zip(W, b)]
def softmax(v):
    m = max(v); e = [math.exp(a - m) for a in v]; s = sum(e); return [a / s for a in e]

experts = [([[1, 0], [0, 1]], [0, -3]), ([[-1, 1], [2, 0]], [0.5, 0])]
gateW, gateB = [[1, 1], [0, 0]], [0, 0]
towerW, towerB = [[1, -1], [0.5, 0.5]], [0, -0.7]
outW, outB = [[1, 0], [0, 2]], [0.1, 0]
eps, n = 0.01, 2

x = [1.0, 2.0]
h = [relu(affine(W, b, x)) for W, b in experts]
g = softmax(affine(gateW, gateB, x))
m = [sum(g[e] * h[e][i] for e in range(2)) for i in range(2)]
t = relu(affine(towerW, towerB, m))
logits = affine(outW, outB, t)
pi = [(1 - n * eps) * s + eps for s in softmax(logits)]
print("logits", [repr(v) for v in logits])
print("pi", [repr(v) for v in pi])

#!/usr/bin/python3
"""Independent PyTorch reference values for the learner's objective tests.

Written from the papers' equations (not from the Java code) with plain torch ops and autograd:
  PMR (Fan et al., CVPR 2023) eqs. 7-13, CroMA (Liang et al.) eqs. 2-3 with the margin, Reptile
  (CroMA Algorithm 1 / Nichol et al. 2018) with torch.optim.Adam inner steps, PMR eq. 12 momentum.
Run: /usr/bin/python3 objectives_reference.py  (python3-torch 1.13, CPU); the printed numbers are
copied into ObjectiveValuesTest.
"""
import torch

torch.set_printoptions(precision=8)
t = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)


def proto_logits(z, c, scale=1.0):
    # PMR eq. 7: softmax over -d(z, c_k), d Euclidean
    d = torch.stack([torch.sqrt(((z - c[k]) ** 2).sum(1) + 1e-12) for k in range(c.shape[0])], 1)
    return -scale * d


def pmr(z0, z1, c0, c1, y, alpha, mu, warmup, scale=1.0):
    l0, l1 = proto_logits(z0, c0, scale), proto_logits(z1, c1, scale)
    p0 = torch.softmax(l0, 1)[torch.arange(len(y)), y]
    p1 = torch.softmax(l1, 1)[torch.arange(len(y)), y]
    s0, s1 = p0.detach().mean().item(), p1.detach().mean().item()  # eq. 8 (equal batch sizes: ratio of sums)
    rho = s0 / s1
    clip = lambda v: max(0.0, min(1.0, v))
    beta, gamma = (clip(1 / rho - 1), 0.0) if rho < 1 else (0.0, clip(rho - 1))  # eq. 11
    pce0 = torch.nn.functional.cross_entropy(l0, y)  # eq. 9
    pce1 = torch.nn.functional.cross_entropy(l1, y)
    ent = lambda l: -(torch.softmax(l, 1) * torch.log_softmax(l, 1)).sum(1).mean()
    loss = alpha * beta * pce0 + alpha * gamma * pce1  # eq. 10 without the fused CE
    if warmup:
        loss = loss - mu * gamma * ent(l0) - mu * beta * ent(l1)  # eq. 13
    return loss, s0, s1, rho, beta, gamma


def show(name, x):
    if isinstance(x, torch.Tensor):
        print(name, [round(v, 8) for v in x.detach().reshape(-1).tolist()])
    else:
        print(name, round(x, 8))


print("# PMR: two modalities, modality 0 slow")
z0 = t([[0.2, 0.1], [0.9, 0.8], [0.5, -0.3]])
z1 = t([[0.1, 0.0], [1.0, 1.1], [-0.1, 0.1]])
c0 = torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
c1 = torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
y = torch.tensor([0, 1, 0])
loss, s0, s1, rho, beta, gamma = pmr(z0, z1, c0, c1, y, alpha=2.0, mu=0.1, warmup=True)
loss.backward()
show("pmr.s0", s0); show("pmr.s1", s1); show("pmr.rho", rho); show("pmr.beta", beta); show("pmr.gamma", gamma)
show("pmr.loss", loss); show("pmr.grad.z0", z0.grad); show("pmr.grad.z1", z1.grad)

print("# PMR: the same without warm-up (no PER)")
z0.grad = None; z1.grad = None
loss, *_ = pmr(z0, z1, c0, c1, y, alpha=2.0, mu=0.1, warmup=False)
loss.backward()
show("pmr.noper.loss", loss); show("pmr.noper.grad.z0", z0.grad); show("pmr.noper.grad.z1", z1.grad)

print("# CroMA eqs. 2-3 with margin 0.1: strong pairs on the diagonal, weak pair (0, 2) and (2, 0)")
es = t([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
et = t([[0.8, 0.6], [0.0, 1.0], [1.0, 0.0]])
pos = torch.tensor([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=torch.float64)
margin = 0.1
S = es @ et.T
terms = []
for i in range(3):
    for j in range(3):
        if pos[i, j] == 1:
            for n in range(3):
                if pos[i, n] == 0:
                    terms.append(torch.clamp(margin - S[i, j] + S[i, n], min=0))
align = torch.stack(terms).mean()
align.backward()
show("align.loss", align); show("align.grad.es", es.grad); show("align.grad.et", et.grad)
es.grad = None; et.grad = None
strong = torch.eye(3, dtype=torch.float64)
terms = []
for i in range(3):
    for n in range(3):
        if n != i:
            terms.append(torch.clamp(margin - S[i, i] + S[i, n], min=0))
show("align.strongonly.loss", torch.stack(terms).mean())

print("# Reptile: 3 Adam(lr 0.1) steps on sum((w - target)^2), then meta + 0.3 (adapted - meta)")
meta = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
target = torch.tensor([3.0, 0.5, 0.5], dtype=torch.float64)
w = meta.clone().requires_grad_(True)
opt = torch.optim.Adam([w], lr=0.1)
for _ in range(3):
    opt.zero_grad()
    l = ((w - target) ** 2).sum()
    l.backward()
    opt.step()
show("reptile.adapted", w)
show("reptile.meta", meta + 0.3 * (w.detach() - meta))

print("# PMR eq. 12: eps 0.2, old (1, -2), new = mean of (3, 2), (5, 0), (1, 4)")
old = torch.tensor([1.0, -2.0]); new = torch.tensor([[3.0, 2.0], [5.0, 0.0], [1.0, 4.0]]).mean(0)
show("proto.momentum", 0.2 * old + 0.8 * new)

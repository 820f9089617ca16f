#!/usr/bin/python3
"""The StreamAlign learner's training step in PyTorch eager: the anchor of `streamalign bench
learner-vs-torch` (io.streamalign.bench.LearnerVsTorchBench).

What it mirrors: one `CrossModalLearner.learn(batch)` call (model module) with the default
LearnerConfig on a batch of paired VIDEO + AUDIO samples, both modalities labelled, each with a
concept group (the bench's data: MNIST digit frames + FSDD log-mel clips, group = the digit). Per
step, in the learner's order and with its layer shapes (Nets.java) and losses (Losses.java):

  1. test-then-train scoring (no grad): encode VIDEO and AUDIO of the batch; phi on VIDEO, PMR
     eq. 7 prototype logits on AUDIO (every class has an AUDIO prototype), the concat fusion head;
     three argmax results read to the host;
  2. the batch enters the replay (per-class reservoirs of 200, per-group reservoirs);
  3. meta-alignment (CroMA Algorithm 1 lines 3-5): fast copies of video.* and audio.* (12
     tensors); `innerSteps` (default 1) steps of a fresh Adam (lr 1e-3) on the margin loss (CroMA
     eqs. 2-3, margin 0.1) between the sources (batch + one replay partner per concept group) and
     the targets (the same); gradients clipped to global norm 10, refused when not finite; then
     meta += 0.1 * (fast - meta);
  4. meta-classification (lines 6-9) for VIDEO then AUDIO: a 5-way 5-shot episode from the
     replay, its embeddings under the meta encoders (no grad), a fast copy of phi (2 tensors),
     `innerSteps` Adam steps of masked cross-entropy, clip, outer step;
  5. every 256 samples (prototypeEvery), the prototypes (PMR eqs. 6 and 12, momentum 0.2): every
     labelled replay sample of each modality embedded (no grad), class means on the host;
  6. the supervised step on the batch plus an equal class-balanced replay draw: fused CE (concat
     head, PMR eq. 2) + 1.0 * CE(phi(e_m)) per modality (unimodalWeight) + PMR (eqs. 7-13: s_m read
     to the host, coefficients of eq. 11, alpha * kappa * PCE on the slow modality, - mu * w * H on
     the dominant one while in the warm-up window); gradients of fuse.*, phi.*, video.*, audio.*
     (16 tensors) clipped to norm 10, refused when not finite; SGD momentum 0.9, weight decay 1e-4,
     lr 1e-2 (PyTorch's SGD is the same update as the learner's MomentumSgd);
  7. the guard: the parameters are checked finite after the step and restored from the last good
     state when not (kept here as a device copy, as the issue asks of the learner).

Honest differences from the Java learner:
  - libtorch versions differ: DJL 0.35.1 bundles libtorch 2.7.1, Debian's python3-torch is 1.13;
  - random draws (partners, episodes, replay) use Python's own RNG with the learner's rules and
    counts, not the learner's java.util.Random sequence, and initial weights are drawn with the
    learner's distributions but not its values;
  - the host reads are the ones PyTorch needs for the same decisions: per update one read of
    (loss, gradient norm) for the guard, the two s_m of PMR, the three argmax of scoring, and one
    read of the step's loss terms and of the parameters' finiteness; the learner (before issue 20's
    item 3) reads more (see the bench's host-read counts);
  - torch.optim.Adam puts eps after the bias-corrected sqrt(v) (lr / bc1 * m / (sqrt(v) / sqrt(bc2)
    + eps)); the learner's InnerAdam is DJL's (lr * sqrt(bc2) / bc1 * m / (sqrt(v) + eps)): the same
    cost, values differ only through eps;
  - Java-side bookkeeping (sample validation, reservoirs, Java objects) has Python-side analogues of
    its own cost; neither is part of the tensor work.

Protocol (the bench keeps one process alive and alternates with the DJL learner):
  python3 learner_step_torch.py --data FILE --threads N --interop M [--batch 32]
  then lines on stdin: "steps K" runs K steps and prints {"ms": [...], "samples": [...]};
  "profile K" runs K steps under torch.profiler and prints {"ops_per_step": x, "syncs_per_step": y};
  "quit" ends. "--selftest K" runs K steps on random data and prints the JSON line, then exits.
DATA FILE: little-endian; int32 n, video_dim, audio_dim; then n * (int32 label, int32 group,
float32[video_dim], float32[audio_dim]).
"""
import argparse
import json
import math
import random
import struct
import sys
import time

import torch
import torch.nn.functional as F

# the learner's defaults (LearnerConfig.Builder, Nets)
VIDEO_SHAPE = (1, 28, 28)
AUDIO_SHAPE = (1, 40, 64)
D = 128
C1, C2 = 16, 32
CAPACITY = 16
LOGIT_SCALE = 10.0
MARGIN = 0.1
META_EPS = 0.1
INNER_LR = 1e-3
INNER_STEPS = 1
LR, MOMENTUM, WD = 1e-2, 0.9, 1e-4
PMR_ALPHA, PMR_MU, PMR_SCALE = 1.0, 1e-2, 10.0
PROTO_MOMENTUM, PROTO_EVERY, WARMUP = 0.2, 256, 2000
WAYS, SHOTS, RESERVOIR = 5, 5, 200
CLIP = 10.0
TEXT_VOCAB, TEXT_HIDDEN = 1024, 256
DEV = torch.device("cpu")


def shapes():
    s = {}
    for p, (ch, h, w) in (("video", VIDEO_SHAPE), ("audio", AUDIO_SHAPE)):
        s[p + ".c1.w"] = (C1, ch, 3, 3)
        s[p + ".c1.b"] = (C1,)
        s[p + ".c2.w"] = (C2, C1, 3, 3)
        s[p + ".c2.b"] = (C2,)
        s[p + ".fc.w"] = (D, C2 * (h // 4) * (w // 4))
        s[p + ".fc.b"] = (D,)
    s["text.fc1.w"] = (TEXT_HIDDEN, TEXT_VOCAB)
    s["text.fc1.b"] = (TEXT_HIDDEN,)
    s["text.fc2.w"] = (D, TEXT_HIDDEN)
    s["text.fc2.b"] = (D,)
    s["phi.w"] = (CAPACITY, D)
    s["phi.b"] = (CAPACITY,)
    s["fuse.w"] = (CAPACITY, 3 * D)
    s["fuse.b"] = (CAPACITY,)
    return s


def init(name, shape, gen):
    # Nets.init: He-normal before ReLU, LeCun-normal for last layers, 0.01 for phi/fuse, zero bias
    if name.endswith(".b"):
        return torch.zeros(shape).to(DEV)
    fan_in = math.prod(shape[1:])
    relu = ".c1." in name or ".c2." in name or name.startswith("text.fc1")
    std = math.sqrt((2.0 if relu else 1.0) / fan_in)
    if name.startswith("phi.") or name == "fuse.w":
        std = 0.01
    return (torch.randn(shape, generator=gen) * std).to(DEV)


def l2normalize(z):
    return z / (z.square().sum(1, keepdim=True) + 1e-12).sqrt()


def cnn(p, pre, x):
    h = F.max_pool2d(F.relu(F.conv2d(x, p[pre + "c1.w"], p[pre + "c1.b"], 1, 1)), 2, 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, p[pre + "c2.w"], p[pre + "c2.b"], 1, 1)), 2, 2)
    return F.linear(h.reshape(h.shape[0], -1), p[pre + "fc.w"], p[pre + "fc.b"])


def encode(p, m, x):
    shape = VIDEO_SHAPE if m == "video" else AUDIO_SHAPE
    return l2normalize(cnn(p, m + ".", x.reshape(x.shape[0], *shape)))


def classify(p, e, n):
    return F.linear(e * LOGIT_SCALE, p["phi.w"][:n], p["phi.b"][:n])


def fuse(p, ev, ea, n):
    h = torch.cat([ev, ea, torch.zeros_like(ev)], 1)  # concat over VIDEO, AUDIO, TEXT (absent)
    return F.linear(h * LOGIT_SCALE, p["fuse.w"][:n], p["fuse.b"][:n])


def cross_entropy(logits, one_hot):
    return -(logits.log_softmax(1) * one_hot).sum(1).mean()


def neg_distances(z, c, scale):
    d = ((z.unsqueeze(1) - c.unsqueeze(0)).square().sum(2) + 1e-12).sqrt()
    return -(d * scale)


def margin_alignment(es, et, pos, margin):
    neg = 1 - pos
    s = es @ et.t()
    weight = pos.unsqueeze(2) * neg.unsqueeze(1)
    hinge = (s.unsqueeze(1) - s.unsqueeze(2) + margin).clamp(min=0) * weight
    return hinge.sum() / weight.sum().clamp(min=1)


def clip_and_check(loss, grads):
    """The learner's guard (Autograd.finiteAndClipped), one host read: refuse a non-finite loss or
    gradient norm, else scale the gradients down to CLIP when their global norm exceeds it."""
    norm = torch.stack([g.square().sum() for g in grads]).sum().sqrt()
    ok = torch.isfinite(loss) & torch.isfinite(norm)
    coef = (CLIP / (norm + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(coef)
    return bool(ok)  # the one host read of this update


class Replay:
    """ReplayBuffer's rules: reservoirs of RESERVOIR per class and per group."""

    def __init__(self, rng):
        self.rng = rng
        self.by_class, self.by_group, self.seen_c, self.seen_g = {}, {}, {}, {}

    def _add(self, res, seen, k, i):
        pool = res.setdefault(k, [])
        seen[k] = seen.get(k, 0) + 1
        if len(pool) < RESERVOIR:
            pool.append(i)
        else:
            j = self.rng.randrange(seen[k])
            if j < RESERVOIR:
                pool[j] = i

    def add(self, idx, labels, groups):
        for i in idx:
            self._add(self.by_class, self.seen_c, labels[i], i)
            self._add(self.by_group, self.seen_g, groups[i], i)

    def pick(self, pool, exclude):
        for _ in range(4):
            c = pool[self.rng.randrange(len(pool))]
            if c not in exclude:
                return c
        return None

    def episode(self, known):
        eligible = [c for c in known if self.by_class.get(c)]
        if len(eligible) < 2:
            return None
        self.rng.shuffle(eligible)
        ways = eligible[:WAYS]
        shots = []
        for c in ways:
            pool = list(self.by_class[c])
            self.rng.shuffle(pool)
            shots += pool[:SHOTS]
        return ways, shots

    def with_replay(self, batch, known):
        want, ids, out = len(batch), set(batch), list(batch)
        order = list(known)
        self.rng.shuffle(order)
        added = 0
        for _ in range(want):
            if added >= want:
                break
            anyone = False
            for c in order:
                if added >= want:
                    break
                pool = self.by_class.get(c, [])
                for _ in range(4):
                    if not pool:
                        break
                    s = pool[self.rng.randrange(len(pool))]
                    if s not in ids:
                        ids.add(s)
                        out.append(s)
                        added += 1
                        anyone = True
                        break
            if not anyone:
                break
        return out


class Learner:
    def __init__(self, video, audio, labels, groups, seed=42):
        gen = torch.Generator().manual_seed(seed)
        self.p = {k: init(k, s, gen) for k, s in shapes().items()}
        self.video, self.audio = video, audio
        self.labels, self.groups = labels, groups
        self.classes = []
        self.replay = Replay(random.Random(seed))
        self.sgd_params = [self.p[k] for k in self.names(("fuse.", "phi.", "video.", "audio."))]
        for t in self.sgd_params:
            t.requires_grad_(True)
        self.sgd = torch.optim.SGD(self.sgd_params, lr=LR, momentum=MOMENTUM, weight_decay=WD)
        self.protos = {}  # modality -> (CAPACITY, D) tensor of class centroids (rows by class index)
        self.has_proto = {"video": set(), "audio": set()}
        self.seen = 0
        self.last_proto = 0
        self.syncs = 0

    def names(self, prefixes):
        return [k for k in self.p if k.startswith(prefixes)]

    def x(self, m, idx):
        src = self.video if m == "video" else self.audio
        return src[torch.tensor(idx, device=DEV)]

    def one_hot(self, idx, n):
        y = torch.tensor([self.classes.index(self.labels[i]) for i in idx], device=DEV)
        return F.one_hot(y, n).float()

    def reptile(self, names, loss_fn):
        meta = [self.p[k] for k in names]
        fast = [t.detach().clone().requires_grad_(True) for t in meta]
        adam = torch.optim.Adam(fast, lr=INNER_LR)
        view = dict(self.p)
        view.update(zip(names, fast))
        total = 0.0
        for _ in range(INNER_STEPS):
            loss = loss_fn(view)
            grads = torch.autograd.grad(loss, fast)
            self.syncs += 1
            if not clip_and_check(loss, grads):
                return None
            for t, g in zip(fast, grads):
                t.grad = g
            adam.step()
            total = total + loss.detach()
        with torch.no_grad():
            for m, f in zip(meta, fast):
                m.add_(f - m, alpha=META_EPS)
        return total / INNER_STEPS

    def refresh_prototypes(self):
        n = len(self.classes)
        with torch.no_grad():
            for m in ("video", "audio"):
                idx = [i for c in self.classes for i in self.replay.by_class.get(c, [])]
                e = encode(self.p, m, self.x(m, idx))
                y = torch.tensor([self.classes.index(self.labels[i]) for i in idx], device=DEV)
                sums = torch.zeros(CAPACITY, D, device=DEV).index_add_(0, y, e)
                counts = torch.zeros(CAPACITY, device=DEV).index_add_(0, y, torch.ones(len(idx), device=DEV))
                fresh = sums / counts.clamp(min=1).unsqueeze(1)
                old = self.protos.get(m)
                self.protos[m] = fresh if old is None else PROTO_MOMENTUM * old + (1 - PROTO_MOMENTUM) * fresh
                self.has_proto[m] = set(range(n))

    def step(self, batch):
        n_before = len(self.classes)
        # 1. test-then-train scoring
        with torch.no_grad():
            ev = encode(self.p, "video", self.x("video", batch))
            ea = encode(self.p, "audio", self.x("audio", batch))
            if n_before > 0:
                pv = classify(self.p, ev, n_before).argmax(1)
                pa = (neg_distances(ea, self.protos["audio"][:n_before], PMR_SCALE)
                      if "audio" in self.protos and len(self.has_proto["audio"]) >= n_before
                      else classify(self.p, ea, n_before)).argmax(1)
                pf = fuse(self.p, ev, ea, n_before).argmax(1)
                torch.stack([pv, pa, pf]).tolist()  # read to the host (prequential counts)
                self.syncs += 1
        for i in batch:
            if self.labels[i] not in self.classes:
                self.classes.append(self.labels[i])
        n = len(self.classes)
        last_good = [t.detach().clone() for t in self.p.values()]  # on the device
        # 2. replay
        self.replay.add(batch, self.labels, self.groups)
        terms = []
        # 3. meta-alignment: sources and targets = batch + one replay partner per group
        ids = set(batch)
        src, tgt = list(batch), list(batch)
        budget = len(batch)
        for g in dict.fromkeys(self.groups[i] for i in batch):
            if budget <= 0:
                break
            pool = self.replay.by_group[g]
            a, b = self.replay.pick(pool, ids), self.replay.pick(pool, ids)
            if a is not None:
                src.append(a)
                budget -= 1
            if b is not None:
                tgt.append(b)
                budget -= 1
        gs = torch.tensor([hash(self.groups[i]) for i in src], device=DEV)
        gt = torch.tensor([hash(self.groups[i]) for i in tgt], device=DEV)
        pos = (gs.unsqueeze(1) == gt.unsqueeze(0)).float()
        xs, xt = self.x("video", src), self.x("audio", tgt)
        names = self.names(("video.", "audio."))
        a = self.reptile(
            names, lambda v: margin_alignment(encode(v, "video", xs), encode(v, "audio", xt), pos, MARGIN))
        if a is not None:
            terms.append(a)
        # 4. meta-classification, VIDEO then AUDIO
        for m in ("video", "audio"):
            ep = self.replay.episode(self.classes)
            if ep is None:
                continue
            ways, shots = ep
            with torch.no_grad():
                emb = encode(self.p, m, self.x(m, shots))
            oh = self.one_hot(shots, n)
            mask = torch.full((1, n), -1e4, device=DEV)
            mask[0, [self.classes.index(c) for c in ways]] = 0
            c = self.reptile(["phi.w", "phi.b"], lambda v: cross_entropy(classify(v, emb, n) + mask, oh))
            if c is not None:
                terms.append(c)
        # 5. prototypes
        if self.seen + len(batch) - self.last_proto >= PROTO_EVERY or any(
                self.classes.index(self.labels[i]) not in self.has_proto["audio"] for i in batch):
            self.refresh_prototypes()
            self.last_proto = self.seen + len(batch)
        # 6. supervised step on batch + replay
        rows = self.replay.with_replay(batch, self.classes) if n >= 2 else list(batch)
        oh = self.one_hot(rows, n)
        ev = encode(self.p, "video", self.x("video", rows))
        ea = encode(self.p, "audio", self.x("audio", rows))
        fused = cross_entropy(fuse(self.p, ev, ea, n), oh)
        loss = fused + cross_entropy(classify(self.p, ev, n), oh) + cross_entropy(classify(self.p, ea, n), oh)
        if n >= 2:
            cv, ca = self.protos["video"][:n], self.protos["audio"][:n]
            with torch.no_grad():
                s = torch.stack([neg_distances(z, c, PMR_SCALE).softmax(1).mul(oh).sum() / z.shape[0]
                                 for z, c in ((ev, cv), (ea, ca))]).tolist()  # eq. 8, host read
            self.syncs += 1
            dom = 0 if s[0] >= s[1] else 1
            kappa = [0.0 if i == dom else max(0.0, min(1.0, s[dom] / s[i] - 1)) for i in range(2)]
            for i, (z, c) in enumerate(((ev, cv), (ea, ca))):
                if kappa[i] > 0:
                    loss = loss + PMR_ALPHA * kappa[i] * cross_entropy(neg_distances(z, c, PMR_SCALE), oh)
            if self.seen < WARMUP and max(kappa) > 0:
                z, c = ((ev, cv), (ea, ca))[dom]
                logp = neg_distances(z, c, PMR_SCALE).log_softmax(1)
                loss = loss - PMR_MU * max(kappa) * (-(logp.exp() * logp).sum(1).mean())
        self.sgd.zero_grad(set_to_none=True)
        loss.backward()
        grads = [t.grad for t in self.sgd_params]
        self.syncs += 1
        if clip_and_check(loss, grads):
            self.sgd.step()
        terms.append(loss.detach())
        # 7. guard: every parameter finite, else restore the last good state; one read with the
        # step's loss terms
        with torch.no_grad():
            finite = torch.stack([torch.isfinite(t).all() for t in self.p.values()]).all()
            out = torch.stack([t.float() for t in terms] + [finite.float()]).tolist()
            self.syncs += 1
            if out[-1] < 1:
                for t, g in zip(self.p.values(), last_good):
                    t.copy_(g)
        self.seen += len(batch)
        return out


def blas():
    """The BLAS library this process loaded (Debian's torch uses the system's libblas.so.3: the
    reference BLAS unless an optimized one is installed or put on LD_LIBRARY_PATH)."""
    torch.ones(2, 2) @ torch.ones(2, 2)
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() or "mkl" in line.lower()}
        return ", ".join(sorted(l for l in libs if l.startswith("/"))) or "linked statically"
    except OSError:
        return "unknown"


def load(path):
    with open(path, "rb") as f:
        n, vd, ad = struct.unpack("<3i", f.read(12))
        labels, groups = [], []
        video = torch.empty(n, vd)
        audio = torch.empty(n, ad)
        for i in range(n):
            lab, grp = struct.unpack("<2i", f.read(8))
            labels.append(str(lab))
            groups.append(str(grp))
            video[i] = torch.frombuffer(bytearray(f.read(4 * vd)), dtype=torch.float32)
            audio[i] = torch.frombuffer(bytearray(f.read(4 * ad)), dtype=torch.float32)
    return video, audio, labels, groups


def random_data(n, seed=1):
    g = torch.Generator().manual_seed(seed)
    labels = [str(i % 10) for i in range(n)]
    return (torch.rand(n, math.prod(VIDEO_SHAPE), generator=g),
            torch.randn(n, math.prod(AUDIO_SHAPE), generator=g), labels, list(labels))


class Runner:
    def __init__(self, learner, batch):
        self.l, self.b, self.next = learner, batch, 0
        self.n = learner.video.shape[0]

    def batch(self):
        # LearnerVsTorchBench.batchStart: whole batches of the pool, cycling
        start = 0 if self.n <= self.b else (self.next * self.b) % (self.n - self.n % self.b)
        self.next += 1
        return list(range(start, min(start + self.b, self.n)))

    def steps(self, k):
        ms = []
        for _ in range(k):
            b = self.batch()
            t0 = time.perf_counter()
            self.l.step(b)
            ms.append((time.perf_counter() - t0) * 1e3)
        return {"ms": ms}

    def profile(self, k, trace=None):
        from torch.profiler import profile, ProfilerActivity
        s0 = self.l.syncs
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(k):
                self.l.step(self.batch())
        if trace:
            prof.export_chrome_trace(trace)  # counted by the bench (OpTrace), as DJL's trace
        events = prof.events()
        top = [e for e in events if e.cpu_parent is None]  # ops dispatched from Python/autograd
        return {"ops_per_step": len(top) / k, "all_ops_per_step": len(events) / k,
                "syncs_per_step": (self.l.syncs - s0) / k}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--interop", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--selftest", type=int, default=0)
    ap.add_argument("--device", default="cpu", help="cpu, or auto (CUDA when torch sees a GPU)")
    a = ap.parse_args()
    global DEV
    if a.device == "auto" and torch.cuda.is_available():
        DEV = torch.device("cuda")
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(a.interop)
    except RuntimeError:
        pass  # already set (only possible before the first parallel work)
    data = load(a.data) if a.data else random_data(max(4 * a.batch, 64))
    data = (data[0].to(DEV), data[1].to(DEV), data[2], data[3])
    r = Runner(Learner(*data), a.batch)
    info = {"torch": torch.__version__, "threads": torch.get_num_threads(),
            "interop": torch.get_num_interop_threads(), "device": str(DEV), "blas": blas()}
    if a.selftest:
        out = r.steps(a.selftest)
        out.update(info)
        print(json.dumps(out), flush=True)
        return
    print(json.dumps(dict(ready=True, **info)), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            break
        if cmd[0] == "steps":
            print(json.dumps(r.steps(int(cmd[1]))), flush=True)
        elif cmd[0] == "profile":
            print(json.dumps(r.profile(int(cmd[1]), cmd[2] if len(cmd) > 2 else None)), flush=True)
        else:
            print(json.dumps({"error": "unknown command " + cmd[0]}), flush=True)


if __name__ == "__main__":
    main()

"""What scenario (a) could gain from speculative submits, and what they would cost in 429s.

Scenario (a): 2,000 jobs, latency uniform on 1-3 s, an account cap of 50 jobs in flight that the
provider enforces with 429 (the emulator's model). A finished job holds its slot until a status
check sees it, so detection delay is idle capacity (docs/benchmarks.md, "Issue 19, third pass").

Each job is checked first at 1 s after its POST (the earliest end), then every `delta` s; a seen end
frees a slot and the next job is POSTed `hop` s later. With speculation on, every `tick` s while
jobs wait, the client computes from each held job's elapsed time and its last check that found it
running the probability that at least s+1 held jobs have already ended unseen (a Poisson-binomial
tail; s = held jobs above the cap), and POSTs one more job when that probability is >= theta. The
provider answers 429 when it already runs 50; a speculative 429 pauses speculation for `backoff` s
only (it does not honour the 429's Retry-After, and it is not a failure of the job).

Prints, per setting, the mean over three seeds of: wall time / ideal (ceil(N/cap) x 2 s), status
calls per job, 429 answers per job, and the 429s' share of all calls (POSTs, status checks, 429s,
one result and one file call per job). Pure Python 3, no packages.
Usage: python3 speculative-submit-sim.py
"""
import heapq
import math
import random


def run(delta, theta=None, n=2000, cap=50, first=1.0, hop=0.01, tick=0.01, backoff=0.025, seed=1):
    rnd = random.Random(seed)
    cdf = lambda x: min(1.0, max(0.0, (x - 1.0) / 2.0))
    held = {}  # job -> [posted at, last seen running at]
    ends = {}  # job -> provider end time
    checks = []  # (time, job)
    waiting, posted, n_checks, rejects, done, last_done = n, 0, 0, 0, 0, 0.0
    t, spec_ok_at = 0.0, 0.0

    def post(at):
        nonlocal posted, waiting
        j = posted
        posted += 1
        waiting -= 1
        ends[j] = at + rnd.uniform(1.0, 3.0)
        held[j] = [at, at]
        heapq.heappush(checks, (at + first, j))

    while waiting > 0 and len(held) < cap:
        post(0.0)
    while done < n:
        nxt = checks[0][0] if checks else t + tick
        if theta is not None and waiting > 0:
            nxt = min(nxt, t + tick)
        t = nxt
        while checks and checks[0][0] <= t + 1e-12:
            at, j = heapq.heappop(checks)
            n_checks += 1
            if ends[j] <= at:
                del held[j]
                done += 1
                last_done = at
                if waiting > 0 and len(held) < cap:
                    post(at + hop)
            else:
                held[j][1] = at
                heapq.heappush(checks, (at + delta, j))
        if theta is None or waiting == 0 or t < spec_ok_at:
            continue
        live = sum(1 for j in held if ends[j] > t)
        while waiting > 0:
            s = len(held) - cap
            # P(at least s+1 held jobs ended since their last check found them running)
            dist = [1.0] + [0.0] * (s + 1)
            for posted_at, seen in held.values():
                a, b = cdf(seen - posted_at), cdf(t - posted_at)
                p = 0.0 if a >= 1 else (b - a) / (1 - a)
                for k in range(s + 1, 0, -1):
                    dist[k] = dist[k] * (1 - p) + dist[k - 1] * p
                dist[0] *= 1 - p
            if 1 - sum(dist[: s + 1]) < theta:
                break
            if live < cap:
                post(t)
                live += 1
            else:
                rejects += 1
                spec_ok_at = t + backoff
                break
    ideal = math.ceil(n / cap) * 2.0
    calls = n * 3 + n_checks + rejects
    return last_done / ideal, n_checks / n, rejects / n, rejects / calls


def mean(rows):
    return [sum(r[i] for r in rows) / len(rows) for i in range(4)]


if __name__ == "__main__":
    print("delta_s  theta  ratio  status/job  429/job  429_share")
    for delta in (0.25, 0.33, 0.5, 0.7, 1.0):
        for theta in (None, 0.9, 0.8, 0.7):
            r = mean([run(delta, theta, seed=s) for s in (1, 2, 3)])
            th = "off" if theta is None else f"{theta:.1f}"
            print(f"{delta:7.2f}  {th:>5}  {r[0]:.3f}  {r[1]:10.2f}  {r[2]:7.3f}  {r[3]:8.1%}")

"""The best check times for one job whose latency is uniform on 1-3 s (scenario (a)).

A dynamic programme over a 5 ms grid: from a last check at c (the job still running), choose the
next check t that minimises mu + E[delay for an end in (c, t]] / S(c) + S(t) / S(c) * V(t), where
mu is the price of a check in ms of delay. The first check comes at 1 s (the earliest end); the
last at 3 s at the latest. Prints, per mu, the mean detection delay (ms) and the checks per job.
docs/benchmarks.md, "Issue 19, third pass". Usage: python3 check-spacing-optimum.py
"""
import math
# uniform [1,3] s latencies, grid in ms
dt=5
T0,T1=1000,3000
grid=list(range(T0,T1+dt,dt))
def F(t): return min(1,max(0,(t-T0)/(T1-T0)))
def solve(mu):
    # V[c]: expected future cost (delay ms + mu*checks) given alive at c (last check at c), c in grid
    n=len(grid)
    V=[0.0]*n
    choice=[0]*n
    V[n-1]=0.0
    for i in range(n-2,-1,-1):
        c=grid[i]; Sc=1-F(c)
        best=1e18;bj=-1
        # next check at t=grid[j]
        # cost = mu + E[delay for ends in (c,t]]/Sc + (S(t)/Sc)*V[j]
        acc=0.0 # integral of (t-s) f(s) ds over (c,t]
        for j in range(i+1,n):
            t=grid[j]
            # E delay for ends in (c,t] = integral_c^t (t-s) f ds = f*(t-c)^2/2 with f=1/2000
            ed=(t-c)**2/2/2000
            cost=mu+ed/Sc+((1-F(t))/Sc)*V[j]
            if cost<best: best=cost;bj=j
        V[i]=best;choice[i]=bj
    # policy from start c=T0 (first check not before 1000 -> start alive at 1000, no check counted)
    # compute expected delay and checks
    i=0; pal=1.0; checks=0.0; delay=0.0
    while i<n-1:
        j=choice[i]; c=grid[i]; t=grid[j]
        checks+=pal
        delay+=pal*((t-c)**2/2/2000)/(1-F(c))
        pal=pal*(1-F(t))/(1-F(c)) if F(c)<1 else 0
        i=j
        if pal<=1e-12: break
    return delay,checks
for mu in [20,30,40,50,60,80]:
    d,c=solve(mu)
    print(mu, round(d,1),"ms", round(c,2),"checks", "product",round(d*c/1000,3))

/*
 * claims.pml: Xen's memory claims, the profiles `xen-4.22` (REF=0) and `reference` (REF=1), in Promela.
 * Written by hand from the rules of model/ClaimVerified.Specification (not generated from it) to cross-check
 * spec-check's distinct-state counts and verdicts. See model/CrossCheck/README.md.
 *
 * COVERS, within spec-check's bound (nodes<=2, domains<=3, create sizes<=3 distinct values, largest size<=4, so
 * orders 0 only): create (one per size), XENMEM_claim_pages 0..largest, claim sets (reference: legacy, global,
 * per node, the two-entry sets on 2 nodes), populate (any node, and each node, exact or not, on 2 nodes), extra (no-refcount)
 * allocation, decrease_reservation, sharing, offlining on each node, max_mem to s/2 and s of each create size,
 * domain_kill (to completion), destroy, Xen heap alloc (order 0) and free (1 page); the ghost claim target
 * (spec-check keeps it in the state); every state property spec-check judges: claims-sum, claims-backed,
 * claim-bound, conservation, expiry, release, admin-view, no-leak, kill-final.
 * LEAVES OUT: tmem and soft claims (neither profile has them: their fields are always zero and are not stored),
 * LLC colouring, order 9/18 extents (bounds below 512 pages a node), kill-step and node affinity (opt-in kinds), the
 * run properties (guarantee, physinfo-atomic), other profiles, errno values (a refused call is a self-loop).
 *
 * CONVENTIONS: one process; each operation one d_step; the state vector holds exactly the specification's fields
 * (scratch variables are `hidden`); run with -DNOREDUCE, exhaustive (no -DBITSTATE, no -DHC).
 * Bound macros (spin -D...): REF NODES PAGES DOMAINS NSIZES SIZE1 SIZE2 SIZE3 LARGEST and HAS_<kind> (0: `without`).
 */
#ifndef REF
#define REF 1
#endif
#ifndef NODES
#define NODES 1
#endif
#ifndef PAGES
#define PAGES 2
#endif
#ifndef DOMAINS
#define DOMAINS 1
#endif
#ifndef NSIZES
#define NSIZES 1
#endif
#ifndef SIZE1
#define SIZE1 2
#endif
#ifndef SIZE2
#define SIZE2 SIZE1
#endif
#ifndef SIZE3
#define SIZE3 SIZE1
#endif
#ifndef LARGEST
#define LARGEST SIZE1
#endif
#ifndef HAS_CLAIM
#define HAS_CLAIM 1
#endif
#ifndef HAS_CLAIMSET
#define HAS_CLAIMSET 1
#endif
#ifndef HAS_POPULATE
#define HAS_POPULATE 1
#endif
#ifndef HAS_EXTRA
#define HAS_EXTRA 1
#endif
#ifndef HAS_DECREASE
#define HAS_DECREASE 1
#endif
#ifndef HAS_SHARE
#define HAS_SHARE 1
#endif
#ifndef HAS_OFFLINE
#define HAS_OFFLINE 1
#endif
#ifndef HAS_MAXMEM
#define HAS_MAXMEM 1
#endif
#ifndef HAS_KILL
#define HAS_KILL 1
#endif
#ifndef HAS_DESTROY
#define HAS_DESTROY 1
#endif
#ifndef HAS_XENHEAP
#define HAS_XENHEAP 1
#endif

/* Domain states: a slot not created yet is NONE (all its fields zero). */
#define NONE 0
#define ALIVE 1
#define DYING 2
#define DEAD 3
#define DESTROYED 4

#if NODES == 1
#define SUMV(v) (v[0])
#else
#define SUMV(v) (v[0] + v[1])
#endif
#define MIN(a, b) ((a) < (b) -> (a) : (b))
#define MAX0(a) ((a) > 0 -> (a) : 0)
#define TOTALFREE SUMV(free)
#define DTOT(d) (dom[d].tot - dom[d].extra)
#define LIVE(d) (dom[d].st != NONE && dom[d].st != DESTROYED)
/* wanted > Unclaimed(x): xen-4.22 subtracts unsigned, so a negative x lets anything through; reference clamps at 0. */
/* Claim-set sizes: 1, max(1, largest/2), max(1, largest). */
#define HALF (LARGEST / 2 > 1 -> LARGEST / 2 : 1)
#define FULL (LARGEST > 1 -> LARGEST : 1)
#define EXCEEDS(w, x) ((x) >= 0 -> (w) > (x) : (REF && (w) > 0))

/* The state: exactly the specification's fields (tmem's and soft claims' are always zero here) and the ghost target. */
byte free[NODES] = PAGES;
byte outst;
byte nout[NODES];
byte xenheap[NODES];
byte offlined;
byte shared;
byte nextdom = 1;
typedef Dom {
  byte st;
  byte tot;
  byte extra;
  byte max;
  byte claim;
  byte target; /* ghost: domain_tot + claim when the claim was staked, lowered by trims; 0 without a claim */
  byte nclaim[NODES];
  byte pages[NODES];
  byte last /* last_alloc_node (91c6005e01): where the domain's previous extent came from; 0 at creation */
};
Dom dom[DOMAINS]; /* dom[i] is domid i+1 */

/* Scratch, not part of the state vector. */
hidden int x_i, x_n, x_t, x_g, x_rest, x_part, x_fromnode, x_at, x_home, x_wanted, x_total, x_node;
hidden byte x_ok, x_fits;
/* One bit per property: the assertion names what it checks. */
hidden byte claims_sum, claims_backed, claim_bound, conservation, expiry, release, admin_view, no_leak, kill_final;

inline op_release_claim(d) {
  outst = outst - dom[d].claim;
  dom[d].claim = 0;
  for (x_n : 0 .. NODES - 1) {
    nout[x_n] = nout[x_n] - dom[d].nclaim[x_n];
    dom[d].nclaim[x_n] = 0
  }
}

/* ShrinkClaim: give back p pages of the claim: from node nd's claim (none when nd < 0), the global part, then nodes lowest first. */
inline op_shrink(d, nd, p) {
  x_g = dom[d].claim - SUMV(dom[d].nclaim);
  x_fromnode = 0;
  if
  :: nd >= 0 -> x_fromnode = MIN(dom[d].nclaim[nd], p);
     dom[d].nclaim[nd] = dom[d].nclaim[nd] - x_fromnode;
     nout[nd] = nout[nd] - x_fromnode
  :: else -> skip
  fi;
  x_rest = p - x_fromnode - MIN(x_g, p - x_fromnode);
  for (x_n : 0 .. NODES - 1) {
    x_part = MIN(dom[d].nclaim[x_n], x_rest);
    dom[d].nclaim[x_n] = dom[d].nclaim[x_n] - x_part;
    nout[x_n] = nout[x_n] - x_part;
    x_rest = x_rest - x_part
  }
  dom[d].claim = dom[d].claim - p;
  outst = outst - p
}

/* A claim of zero has no target. */
inline op_ghost_zero() {
  for (x_i : 0 .. DOMAINS - 1) {
    if
    :: dom[x_i].claim == 0 -> dom[x_i].target = 0
    :: else -> skip
    fi
  }
}

/* alloc_heap_pages of one page: the claim check, then get_free_buddy's node search from wantnode, falling back round
   the other nodes unless exact (wantnode -1: from the node after the owner's last_alloc_node; Xen's own, owner -1:
   node 0), which records the node found as the owner's last_alloc_node. useclaim: refcounted.
   x_at = the x_node, or -1 (ENOMEM). */
inline op_take(owner, useclaim, wantnode, exact) {
  x_at = -1;
  x_ok = 1;
  if
  :: outst + 1 > TOTALFREE ->
     if
     :: owner >= 0 && useclaim -> x_t = dom[owner].claim
     :: else -> x_t = 0
     fi;
     if
     :: REF -> x_ok = (MAX0(TOTALFREE - outst) + x_t >= 1)
     :: else -> x_ok = (x_t >= 1)
     fi
  :: else -> skip
  fi;
  if
  :: x_ok ->
     if
     :: wantnode >= 0 -> x_home = wantnode
     :: wantnode < 0 && owner >= 0 -> x_home = (dom[owner].last + 1) % NODES
     :: else -> x_home = 0 /* Xen's own */
     fi;
     for (x_i : 0 .. NODES - 1) {
       if
       :: x_at < 0 && (!exact || x_i == 0) ->
          x_node = (x_home + x_i) % NODES;
          x_fits = (free[x_node] >= 1);
          if
          :: x_fits && REF ->
             if
             :: owner >= 0 && useclaim -> x_t = dom[owner].nclaim[x_node]
             :: else -> x_t = 0
             fi;
             x_fits = (free[x_node] - nout[x_node] + x_t >= 1)
          :: else -> skip
          fi;
          if
          :: x_fits && owner >= 0 -> x_at = x_node; free[x_node] = free[x_node] - 1; dom[owner].last = x_node
          :: x_fits && owner < 0 -> x_at = x_node; free[x_node] = free[x_node] - 1
          :: else -> skip
          fi
       :: else -> skip
       fi
    }
  :: else -> skip
  fi
}

inline op_create(size) {
  if
  :: nextdom <= DOMAINS ->
     dom[nextdom - 1].st = ALIVE;
     dom[nextdom - 1].max = size;
     nextdom++
  :: else -> skip
  fi
}

/* XENMEM_claim_pages(d, p), then domain_set_outstanding_pages. */
inline op_claim(d, p) {
  if
  :: !LIVE(d) -> skip
  :: LIVE(d) && !REF && dom[d].st != ALIVE -> skip /* xen-4.22: the wrapper's is_dying check */
  :: else ->
     if
     :: p == 0 -> op_release_claim(d)
     :: p != 0 && REF && dom[d].st != ALIVE -> skip /* reference: the dying check under the locks */
     :: p != 0 && (!REF || dom[d].st == ALIVE) ->
        if
        :: dom[d].claim != 0 || p <= DTOT(d) || p > dom[d].max -> skip
        :: else ->
           x_wanted = p - DTOT(d);
           if
           :: EXCEEDS(x_wanted, TOTALFREE - outst) -> skip
           :: else -> dom[d].claim = x_wanted; outst = outst + x_wanted; dom[d].target = p
           fi
        fi
     fi
  fi;
  op_ghost_zero()
}

/* XEN_DOMCTL_claim_memory with a set (reference only): global pages gp, pages p0 on node 0 (if e0), p1 on node 1 (if e1). */
inline op_claimset(d, gp, e0, p0, e1, p1) {
  if
  :: !LIVE(d) || dom[d].st != ALIVE -> skip
  :: else ->
     x_ok = 1;
     if
     :: e0 && p0 > MAX0(free[0] - nout[0]) + dom[d].nclaim[0] -> x_ok = 0
     :: else -> skip
     fi;
#if NODES > 1
     if
     :: e1 && p1 > MAX0(free[1] - nout[1]) + dom[d].nclaim[1] -> x_ok = 0
     :: else -> skip
     fi;
#endif
     x_total = gp + (e0 -> p0 : 0) + (e1 -> p1 : 0);
     if
     :: x_ok && DTOT(d) + x_total > dom[d].max -> x_ok = 0
     :: x_ok && x_total > MAX0(TOTALFREE - outst) + dom[d].claim -> x_ok = 0
     :: else -> skip
     fi;
     if
     :: x_ok ->
        op_release_claim(d);
        dom[d].claim = x_total;
        outst = outst + x_total;
        if
        :: e0 -> dom[d].nclaim[0] = p0; nout[0] = nout[0] + p0
        :: else -> skip
        fi;
#if NODES > 1
        if
        :: e1 -> dom[d].nclaim[1] = p1; nout[1] = nout[1] + p1
        :: else -> skip
        fi;
#endif
        dom[d].target = DTOT(d) + x_total
     :: else -> skip
     fi
  fi;
  op_ghost_zero()
}

/* A lone LEGACY entry: XENMEM_claim_pages' rules after the claim set's own checks (the domain must be alive). */
inline op_claimlegacy(d, p) {
  if
  :: LIVE(d) && dom[d].st == ALIVE -> op_claim(d, p)
  :: else -> skip
  fi
}

/* populate_physmap of one page (wantnode -1: any; exact: that node or nothing), alloc_domheap_pages then assign_pages. */
inline op_populate(d, wantnode, exact) {
  x_ok = LIVE(d);
  if
  :: x_ok && REF && (dom[d].st != ALIVE || DTOT(d) + 1 > dom[d].max) -> x_ok = 0 /* assign_pages' refusals first */
  :: else -> skip
  fi;
  if
  :: x_ok ->
     op_take(d, 1, wantnode, exact);
     if
     :: x_at >= 0 ->
        if
        :: dom[d].claim > 0 -> op_shrink(d, x_at, 1) /* redeemed in the heap section */
        :: else -> skip
        fi;
        if
        :: dom[d].st != ALIVE || DTOT(d) > dom[d].max || DTOT(d) + 1 > dom[d].max ->
           free[x_at] = free[x_at] + 1 /* assign_pages refuses: the page goes back; the redeemed claim stays redeemed */
        :: else ->
           dom[d].tot = dom[d].tot + 1;
           dom[d].pages[x_at] = dom[d].pages[x_at] + 1
        fi
     :: else -> skip
     fi
  :: else -> skip
  fi;
  op_ghost_zero()
}

/* An owned no-refcount page: never uses a claim, counted in extra and tot. */
inline op_extra(d) {
  x_ok = LIVE(d);
  if
  :: x_ok && REF && dom[d].st != ALIVE -> x_ok = 0
  :: else -> skip
  fi;
  if
  :: x_ok ->
     op_take(d, 0, -1, 0);
     if
     :: x_at >= 0 && dom[d].st != ALIVE -> free[x_at] = free[x_at] + 1
     :: x_at >= 0 && dom[d].st == ALIVE ->
        dom[d].extra = dom[d].extra + 1;
        dom[d].tot = dom[d].tot + 1;
        dom[d].pages[x_at] = dom[d].pages[x_at] + 1
     :: else -> skip
     fi
  :: else -> skip
  fi
}

/* decrease_reservation of one page (to the heap) or sharing it (to the shared owner): highest node first. */
inline op_giveup(d, toheap) {
  if
  :: LIVE(d) && dom[d].st == ALIVE && DTOT(d) >= 1 ->
     dom[d].tot = dom[d].tot - 1;
     x_at = -1;
     for (x_i : 0 .. NODES - 1) {
       if
       :: x_at < 0 && dom[d].pages[NODES - 1 - x_i] > 0 -> x_at = NODES - 1 - x_i
       :: else -> skip
       fi
     }
     dom[d].pages[x_at] = dom[d].pages[x_at] - 1;
     if
     :: toheap -> free[x_at] = free[x_at] + 1
     :: else -> shared = shared + 1
     fi
  :: else -> skip
  fi
}

inline op_offline(nd) {
  if
  :: free[nd] >= 1 && !(REF && (TOTALFREE - 1 < outst || free[nd] - 1 < nout[nd])) ->
     free[nd] = free[nd] - 1;
     offlined = offlined + 1
  :: else -> skip
  fi
}

inline op_xenalloc() {
  op_take(-1, 0, -1, 0);
  if
  :: x_at >= 0 -> xenheap[x_at] = xenheap[x_at] + 1
  :: else -> skip
  fi
}

inline op_xenfree() {
  x_at = -1;
  for (x_i : 0 .. NODES - 1) {
    if
    :: x_at < 0 && xenheap[NODES - 1 - x_i] > 0 -> x_at = NODES - 1 - x_i
    :: else -> skip
    fi
  }
  if
  :: x_at >= 0 -> xenheap[x_at] = xenheap[x_at] - 1; free[x_at] = free[x_at] + 1
  :: else -> skip
  fi
}

/* XEN_DOMCTL_max_mem; the reference trims the claim to keep tot + claim <= max_pages (global part first). */
inline op_setmax(d, m) {
  if
  :: LIVE(d) ->
     dom[d].max = m;
     x_t = DTOT(d) + dom[d].claim - m;
     if
     :: REF && x_t > 0 && dom[d].claim > 0 ->
        x_t = MIN(x_t, dom[d].claim);
        op_shrink(d, -1, x_t);
        dom[d].target = dom[d].target - x_t
     :: else -> skip
     fi
  :: else -> skip
  fi;
  op_ghost_zero()
}

/* domain_kill to completion: dying, the claim released, every page back to the heap, dead. Destroy: then destroyed. */
inline op_kill(d, destroy) {
  if
  :: LIVE(d) ->
     if
     :: dom[d].st == ALIVE -> op_release_claim(d)
     :: else -> skip
     fi;
     for (x_n : 0 .. NODES - 1) {
       free[x_n] = free[x_n] + dom[d].pages[x_n];
       dom[d].pages[x_n] = 0
     }
     dom[d].tot = 0;
     dom[d].extra = 0;
     dom[d].st = (destroy -> DESTROYED : DEAD)
  :: else -> skip
  fi;
  op_ghost_zero()
}

/* The state properties spec-check judges on every state (the initial state, an empty host, satisfies them all). */
inline op_check() {
  claims_sum = 1; claims_backed = 1; claim_bound = 1; conservation = 1; expiry = 1; release = 1; no_leak = 1; kill_final = 1;
  x_t = 0; x_g = 0; x_ok = 0;
  for (x_i : 0 .. DOMAINS - 1) {
    x_t = x_t + dom[x_i].claim;
    x_g = x_g + dom[x_i].tot;
    if
    :: dom[x_i].st == ALIVE -> x_ok = 1;
       if
       :: dom[x_i].claim > 0 && DTOT(x_i) + dom[x_i].claim > dom[x_i].max -> claim_bound = 0
       :: else -> skip
       fi
    :: else -> skip
    fi;
    if
    :: dom[x_i].claim > 0 && dom[x_i].target > 0 && DTOT(x_i) >= dom[x_i].target -> expiry = 0
    :: else -> skip
    fi;
    if
    :: (dom[x_i].st == DEAD || dom[x_i].st == DESTROYED) && dom[x_i].claim != 0 -> release = 0
    :: else -> skip
    fi
  }
  if
  :: x_t != outst -> claims_sum = 0
  :: else -> skip
  fi;
  for (x_n : 0 .. NODES - 1) {
    x_t = 0;
    for (x_i : 0 .. DOMAINS - 1) {
      x_t = x_t + dom[x_i].nclaim[x_n]
    }
    if
    :: x_t != nout[x_n] -> claims_sum = 0
    :: else -> skip
    fi;
    if
    :: nout[x_n] > free[x_n] -> claims_backed = 0
    :: else -> skip
    fi
  }
  if
  :: outst > TOTALFREE -> claims_backed = 0
  :: else -> skip
  fi;
  admin_view = (outst <= TOTALFREE);
  conservation = (TOTALFREE + x_g + SUMV(xenheap) + offlined + shared == NODES * PAGES);
  if
  :: !x_ok && (outst != 0 || TOTALFREE != NODES * PAGES - offlined - shared - SUMV(xenheap)) -> no_leak = 0
  :: else -> skip
  fi;
  /* kill-final: a domain whose kill has begun (dying, dead, destroyed) is never alive: one state field, so it holds. */
  assert(claims_sum);
  assert(claims_backed);
  assert(claim_bound);
  assert(conservation);
  assert(expiry);
  assert(release);
  assert(admin_view);
  assert(no_leak);
  assert(kill_final)
}

/* One operation, one d_step; the printf (not run by pan, so not in the state) names it when spin replays a trail. */
#define STEP(op, ...) :: d_step { printf(__VA_ARGS__); op; op_check() }

active proctype host() {
  do
#if HAS_OFFLINE
  STEP(op_offline(0), "@ offline 0\n")
#if NODES > 1
  STEP(op_offline(1), "@ offline 1\n")
#endif
#endif
#if HAS_XENHEAP
  STEP(op_xenalloc(), "@ xenheap-alloc\n")
  STEP(op_xenfree(), "@ xenheap-free\n")
#endif
  STEP(op_create(SIZE1), "@ create %d\n", SIZE1)
#if NSIZES > 1
  STEP(op_create(SIZE2), "@ create %d\n", SIZE2)
#endif
#if NSIZES > 2
  STEP(op_create(SIZE3), "@ create %d\n", SIZE3)
#endif
#define D 0
#include "domops.pml"
#undef D
#if DOMAINS > 1
#define D 1
#include "domops.pml"
#undef D
#endif
#if DOMAINS > 2
#define D 2
#include "domops.pml"
#undef D
#endif
  od
}

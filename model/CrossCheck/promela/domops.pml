/* The operations of domain slot D (domid D+1), included once per slot by claims.pml. Each is one d_step; an
   operation on a slot not created yet is refused (a self-loop), as spec-check offers it only once the domain exists. */
#if HAS_CLAIM
  STEP(op_claim(D, 0), "@ claim %d %d\n", D, 0)
#if LARGEST >= 1
  STEP(op_claim(D, 1), "@ claim %d %d\n", D, 1)
#endif
#if LARGEST >= 2
  STEP(op_claim(D, 2), "@ claim %d %d\n", D, 2)
#endif
#if LARGEST >= 3
  STEP(op_claim(D, 3), "@ claim %d %d\n", D, 3)
#endif
#if LARGEST >= 4
  STEP(op_claim(D, 4), "@ claim %d %d\n", D, 4)
#endif
#endif
#if REF && HAS_CLAIMSET
  STEP(op_claimlegacy(D, LARGEST), "@ claim-set %d 0\n", D)
  STEP(op_claimset(D, 0, 0, 0, 0, 0), "@ claim-set %d 1\n", D)
  STEP(op_claimset(D, 1, 0, 0, 0, 0), "@ claim-set %d 2\n", D)
  STEP(op_claimset(D, 0, 1, 1, 0, 0), "@ claim-set %d 3\n", D)
  STEP(op_claimset(D, HALF, 0, 0, 0, 0), "@ claim-set %d 4\n", D)
  STEP(op_claimset(D, 0, 1, HALF, 0, 0), "@ claim-set %d 5\n", D)
  STEP(op_claimset(D, FULL, 0, 0, 0, 0), "@ claim-set %d 6\n", D)
  STEP(op_claimset(D, 0, 1, FULL, 0, 0), "@ claim-set %d 7\n", D)
#if NODES > 1
  STEP(op_claimset(D, 0, 0, 0, 1, 1), "@ claim-set %d 8\n", D)
  STEP(op_claimset(D, 0, 0, 0, 1, HALF), "@ claim-set %d 9\n", D)
  STEP(op_claimset(D, 0, 0, 0, 1, FULL), "@ claim-set %d 10\n", D)
  STEP(op_claimset(D, 0, 1, 1, 1, 1), "@ claim-set %d 11\n", D)
  STEP(op_claimset(D, 1, 1, 1, 0, 0), "@ claim-set %d 12\n", D)
#endif
#endif
#if HAS_POPULATE
  STEP(op_populate(D, -1, 0), "@ populate %d %d %d\n", D, -1, 0)
#if NODES > 1
  STEP(op_populate(D, 0, 0), "@ populate %d %d %d\n", D, 0, 0)
  STEP(op_populate(D, 1, 0), "@ populate %d %d %d\n", D, 1, 0)
  STEP(op_populate(D, 0, 1), "@ populate %d %d %d\n", D, 0, 1)
  STEP(op_populate(D, 1, 1), "@ populate %d %d %d\n", D, 1, 1)
#endif
#endif
#if HAS_EXTRA
  STEP(op_extra(D), "@ extra %d\n", D)
#endif
#if HAS_DECREASE
  STEP(op_giveup(D, 1), "@ decrease %d\n", D)
#endif
#if HAS_SHARE
  STEP(op_giveup(D, 0), "@ share %d\n", D)
#endif
#if HAS_MAXMEM
  STEP(op_setmax(D, SIZE1 / 2), "@ max-mem %d %d\n", D, SIZE1 / 2)
  STEP(op_setmax(D, SIZE1), "@ max-mem %d %d\n", D, SIZE1)
#if NSIZES > 1
  STEP(op_setmax(D, SIZE2 / 2), "@ max-mem %d %d\n", D, SIZE2 / 2)
  STEP(op_setmax(D, SIZE2), "@ max-mem %d %d\n", D, SIZE2)
#endif
#if NSIZES > 2
  STEP(op_setmax(D, SIZE3 / 2), "@ max-mem %d %d\n", D, SIZE3 / 2)
  STEP(op_setmax(D, SIZE3), "@ max-mem %d %d\n", D, SIZE3)
#endif
#endif
#if HAS_KILL
  STEP(op_kill(D, 0), "@ kill %d\n", D)
#endif
#if HAS_DESTROY
  STEP(op_kill(D, 1), "@ destroy %d\n", D)
#endif

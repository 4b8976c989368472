#!/usr/bin/env bash
# Sourced by ./cohort: picks the C allocator for the JVM and every process it starts (worker JVMs inherit the
# environment). PyTorch frees and reallocates blocks of tens of MiB every step (the embedding's gradient and AdamW
# scratch, blocks of logits); glibc serves each block over 32 MiB with a fresh mmap and unmaps it on free, so the
# demo model page-faulted about 1 GB anew per step and spent a third of its CPU time in the kernel
# (docs/PERFORMANCE.md, "Native allocator").
#
# COHORT_ALLOCATOR:
#   auto     (default) tcmalloc if Debian's libtcmalloc-minimal4 is installed, else glibc
#   tcmalloc preload tcmalloc (fails if missing): it keeps freed large blocks for reuse
#   glibc    glibc tuned to do the same: one arena, no mmap for big blocks, no trimming of the heap's top
#   system   leave the environment as it is
# A GLIBC_TUNABLES or LD_PRELOAD already set is kept (ours is added to it).

# Where Debian installs the library, per architecture.
cohort_tcmalloc="/usr/lib/$(uname -m)-linux-gnu/libtcmalloc_minimal.so.4"
# mmap_max=0: big blocks come from the heap, where a freed one is reused; arena_max=1: from one heap, whose top
# shrinks only past trim_threshold (4 GiB: the steady-state working set of a step stays mapped). Several arenas
# without mmap leave freed blocks stranded in the arena that made them (RSS +40 % in the measurement).
cohort_glibc_tunables="glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296"

cohort_native_allocator() {
  local choice="${COHORT_ALLOCATOR:-auto}"
  if [[ "$choice" == auto ]]; then
    if [[ -f "$cohort_tcmalloc" ]]; then choice=tcmalloc; else choice=glibc; fi
  fi
  case "$choice" in
    tcmalloc)
      if [[ ! -f "$cohort_tcmalloc" ]]; then
        echo "cohort: COHORT_ALLOCATOR=tcmalloc but $cohort_tcmalloc is missing (apt-get install libtcmalloc-minimal4)" >&2
        return 1
      fi
      export LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$cohort_tcmalloc" ;;
    glibc) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}$cohort_glibc_tunables" ;;
    system) ;;
    *)
      echo "cohort: COHORT_ALLOCATOR must be auto, tcmalloc, glibc or system, not '$choice'" >&2
      return 1 ;;
  esac
}

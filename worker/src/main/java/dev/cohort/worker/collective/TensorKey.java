package dev.cohort.worker.collective;

/**
 * Names one tensor in flight, so the receiver can match it whatever order messages arrive in and drop those of a
 * step or placement epoch it does not know.
 *
 * @param epoch placement epoch
 * @param step optimizer step
 * @param kind what it is: "act" (activation), "grad" (its gradient), "ring" (all-reduce chunk), ...
 * @param index micro-batch, ring round, or any index the kind needs
 * @param from sender's worker id
 */
public record TensorKey(long epoch, long step, String kind, int index, String from) {}

package dev.cohort.wire;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Puts {@link TensorChunk}s back into whole tensors, chunks of several transfers interleaved and in any order.
 * A chunk whose header disagrees with the first chunk of its transfer, or that arrived before, is rejected with a
 * {@link WireFormatException}; the transfer stays as it was. The buffer for a transfer is allocated when its first
 * chunk arrives, only if all pending transfers together stay within {@code maxPendingBytes}.
 *
 * <p>Not thread-safe: one actor owns an assembler. A transfer that never completes (a sender that died, a stale
 * step) keeps its buffer until {@link #abandon} is called.
 */
public final class ChunkAssembler {
  private final long maxPendingBytes;
  private final Map<UUID, Partial> pending = new HashMap<>();
  private long pendingBytes;

  public ChunkAssembler(long maxPendingBytes) {
    if (maxPendingBytes <= 0) throw new IllegalArgumentException("maxPendingBytes must be > 0, got " + maxPendingBytes);
    this.maxPendingBytes = maxPendingBytes;
  }

  /** Room for one tensor of the largest size a payload may have. */
  public ChunkAssembler() {
    this(TensorPayload.MAX_BYTES);
  }

  /** Adds a chunk; returns the whole tensor once its last missing chunk arrives. */
  public Optional<TensorPayload> add(TensorChunk chunk) {
    Partial partial = pending.get(chunk.transferId());
    if (partial == null) partial = start(chunk);
    partial.accept(chunk);
    if (!partial.complete()) return Optional.empty();
    pending.remove(chunk.transferId());
    pendingBytes -= partial.data.length;
    return Optional.of(new TensorPayload(chunk.dtype(), chunk.shape(), partial.data));
  }

  /** Drops a partly received transfer and frees its buffer; unknown ids are ignored. */
  public void abandon(UUID transferId) {
    Partial partial = pending.remove(transferId);
    if (partial != null) pendingBytes -= partial.data.length;
  }

  /** Transfers with some but not all chunks received. */
  public int pendingTransfers() {
    return pending.size();
  }

  private Partial start(TensorChunk first) {
    long total = first.totalBytes();
    if (pendingBytes + total > maxPendingBytes) {
      throw new WireFormatException("tensor transfer " + first.transferId() + " of " + total + " bytes would put "
          + (pendingBytes + total) + " bytes in reassembly, over the limit of " + maxPendingBytes);
    }
    Partial partial = new Partial(first, new byte[(int) total]);
    pending.put(first.transferId(), partial);
    pendingBytes += total;
    return partial;
  }

  /** One transfer in progress: the header every chunk must repeat, the buffer, and which chunks have arrived. */
  private static final class Partial {
    private final TensorChunk header;
    private final byte[] data;
    private final BitSet received = new BitSet();

    Partial(TensorChunk header, byte[] data) {
      this.header = header;
      this.data = data;
    }

    void accept(TensorChunk chunk) {
      if (!header.sameHeader(chunk)) {
        throw new WireFormatException("inconsistent " + chunk + ": transfer started as " + header);
      }
      if (received.get(chunk.index())) throw new WireFormatException("duplicate " + chunk);
      System.arraycopy(chunk.bytes(), 0, data, (int) chunk.offset(), chunk.bytes().length);
      received.set(chunk.index());
    }

    boolean complete() {
      return received.cardinality() == header.count();
    }
  }
}

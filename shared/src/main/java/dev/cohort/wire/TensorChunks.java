package dev.cohort.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Splits a tensor into chunks that each fit one Artery frame. Artery drops a message larger than
 * {@code maximum-frame-size} with only a log line on the sender, so a tensor of unbounded size must never be sent
 * whole; {@link ChunkAssembler} puts the pieces back together on the other side.
 */
public final class TensorChunks {
  private TensorChunks() {}

  /**
   * Data bytes per chunk by default: 4 MiB, where Artery with Kryo moved 0.9-1.3 GB/s between two JVMs here
   * (stack.md), and well under cohort-pekko.conf's 8 MiB {@code maximum-frame-size} with room for the header.
   */
  public static final int DEFAULT_CHUNK_BYTES = 4 << 20;

  public static List<TensorChunk> split(TensorPayload tensor) {
    return split(tensor, DEFAULT_CHUNK_BYTES);
  }

  /** Chunks of at most {@code maxChunkBytes} data bytes each, under one fresh transfer id. */
  public static List<TensorChunk> split(TensorPayload tensor, int maxChunkBytes) {
    if (maxChunkBytes <= 0) throw new IllegalArgumentException("maxChunkBytes must be > 0, got " + maxChunkBytes);
    UUID transferId = UUID.randomUUID();
    byte[] data = tensor.data();
    int count = (int) TensorChunk.chunkCount(data.length, maxChunkBytes);
    List<TensorChunk> chunks = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = i * maxChunkBytes;
      int to = (int) Math.min(data.length, (long) from + maxChunkBytes);
      chunks.add(new TensorChunk(transferId, i, count, maxChunkBytes, tensor.dtype(), tensor.shape(),
          Arrays.copyOfRange(data, from, to)));
    }
    return List.copyOf(chunks);
  }
}

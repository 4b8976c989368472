package dev.cohort.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.tensor.DType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TensorChunksTest {
  private static TensorPayload randomTensor(long... shape) {
    byte[] data = new byte[(int) TensorPayload.byteSize(DType.F32, shape)];
    new Random(7).nextBytes(data);
    return new TensorPayload(DType.F32, shape, data);
  }

  private static Optional<TensorPayload> addAll(ChunkAssembler assembler, List<TensorChunk> chunks) {
    Optional<TensorPayload> result = Optional.empty();
    for (TensorChunk chunk : chunks) {
      assertTrue(result.isEmpty(), "completed before the last chunk");
      result = assembler.add(chunk);
    }
    return result;
  }

  @Test
  void shuffledChunksReassembleByteExact() {
    TensorPayload tensor = randomTensor(3, 1000);
    List<TensorChunk> chunks = new ArrayList<>(TensorChunks.split(tensor, 1024));
    assertEquals(12, chunks.size());
    assertEquals(12_000 - 11 * 1024, chunks.get(11).bytes().length);
    Collections.shuffle(chunks, new Random(1));

    ChunkAssembler assembler = new ChunkAssembler();
    assertEquals(Optional.of(tensor), addAll(assembler, chunks));
    assertEquals(0, assembler.pendingTransfers());
  }

  @Test
  void interleavedTransfersAreKeptApart() {
    TensorPayload a = randomTensor(64);
    TensorPayload b = randomTensor(8, 8);
    List<TensorChunk> chunksA = TensorChunks.split(a, 100);
    List<TensorChunk> chunksB = TensorChunks.split(b, 100);
    ChunkAssembler assembler = new ChunkAssembler();
    for (int i = 0; i < chunksA.size() - 1; i++) {
      assembler.add(chunksA.get(i));
      assembler.add(chunksB.get(i));
    }
    assertEquals(Optional.of(b), assembler.add(chunksB.get(chunksB.size() - 1)));
    assertEquals(Optional.of(a), assembler.add(chunksA.get(chunksA.size() - 1)));
  }

  @Test
  void emptyTensorTravelsAsOneChunk() {
    TensorPayload empty = new TensorPayload(DType.I64, new long[] {0, 4}, new byte[0]);
    List<TensorChunk> chunks = TensorChunks.split(empty, 16);
    assertEquals(1, chunks.size());
    assertEquals(Optional.of(empty), new ChunkAssembler().add(chunks.get(0)));
  }

  @Test
  void duplicateChunkIsRejected() {
    List<TensorChunk> chunks = TensorChunks.split(randomTensor(100), 64);
    ChunkAssembler assembler = new ChunkAssembler();
    assembler.add(chunks.get(2));
    WireFormatException e = assertThrows(WireFormatException.class, () -> assembler.add(chunks.get(2)));
    assertTrue(e.getMessage().startsWith("duplicate TensorChunk"), e.getMessage());
  }

  @Test
  void chunkWhoseHeaderDisagreesWithItsTransferIsRejected() {
    List<TensorChunk> chunks = TensorChunks.split(randomTensor(100), 64);
    ChunkAssembler assembler = new ChunkAssembler();
    assembler.add(chunks.get(0));
    TensorChunk other = chunks.get(1);
    TensorChunk reshaped = new TensorChunk(other.transferId(), other.index(), other.count(), other.chunkBytes(),
        DType.I32, new long[] {10, 10}, other.bytes());
    WireFormatException e = assertThrows(WireFormatException.class, () -> assembler.add(reshaped));
    assertTrue(e.getMessage().startsWith("inconsistent TensorChunk"), e.getMessage());
  }

  @Test
  void chunkInconsistentInItselfCannotExist() {
    UUID id = UUID.randomUUID();
    long[] shape = {100};
    assertThrows(WireFormatException.class, () -> new TensorChunk(id, 0, 6, 64, DType.F32, shape, new byte[64]));
    assertThrows(WireFormatException.class, () -> new TensorChunk(id, 7, 7, 64, DType.F32, shape, new byte[16]));
    assertThrows(WireFormatException.class, () -> new TensorChunk(id, 6, 7, 64, DType.F32, shape, new byte[64]));
  }

  @Test
  void pendingBytesAreBoundedBeforeAllocation() {
    ChunkAssembler assembler = new ChunkAssembler(1000);
    assembler.add(TensorChunks.split(randomTensor(200), 100).get(0));
    TensorChunk second = TensorChunks.split(randomTensor(100), 100).get(0);
    WireFormatException e = assertThrows(WireFormatException.class, () -> assembler.add(second));
    assertTrue(e.getMessage().contains("over the limit of 1000"), e.getMessage());
    assertEquals(1, assembler.pendingTransfers());
  }

  @Test
  void abandonedTransferFreesItsBudget() {
    ChunkAssembler assembler = new ChunkAssembler(1000);
    TensorChunk first = TensorChunks.split(randomTensor(200), 100).get(0);
    assembler.add(first);
    assembler.abandon(first.transferId());
    assembler.abandon(UUID.randomUUID());
    assertEquals(0, assembler.pendingTransfers());
    assembler.add(TensorChunks.split(randomTensor(200), 100).get(0));
    assertEquals(1, assembler.pendingTransfers());
  }

  @Test
  void defaultChunkFitsTheConfiguredFrameWithRoomForItsHeader() {
    long frame = ConfigFactory.parseResources("cohort-pekko.conf")
        .getBytes("pekko.remote.artery.advanced.maximum-frame-size");
    assertTrue(TensorChunks.DEFAULT_CHUNK_BYTES + (64 << 10) <= frame,
        "chunk " + TensorChunks.DEFAULT_CHUNK_BYTES + " + header does not fit frame " + frame);
  }
}

package dev.cohort.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import dev.cohort.tensor.TensorSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  private static final long TEN_GIB = 10L << 30;

  @TempDir Path dir;

  private static Map<String, HostTensor> sampleTensors() {
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    tensors.put("model.layers.0.self_attn.q_proj.weight",
        HostTensor.ofFloats(new long[] {2, 3}, new float[] {1, -2, 3.5f, Float.NaN, Float.MIN_VALUE, -0f}));
    tensors.put("exp_avg.model.norm.weight", HostTensor.ofDoubles(new long[] {2}, new double[] {1e-300, -7}));
    tensors.put("data.position", HostTensor.ofLongs(new long[] {3}, new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}));
    tensors.put("model.scalar", HostTensor.ofFloats(new long[] {}, new float[] {2.5f}));
    tensors.put("model.empty", HostTensor.ofFloats(new long[] {0, 4}, new float[] {}));
    return tensors;
  }

  @Test
  void tensorsAndMetadataRoundTripByteExactInWriteOrder() throws IOException {
    Path file = dir.resolve("a.safetensors");
    Map<String, HostTensor> tensors = sampleTensors();
    Map<String, String> metadata = Map.of("format", "cohort", "step", "200");
    Safetensors.write(file, tensors, metadata);

    SafetensorsFile read = Safetensors.read(file);
    assertEquals(List.copyOf(tensors.keySet()), read.names());
    assertEquals(metadata, read.metadata());
    assertEquals(tensors, read.tensors());

    Path again = dir.resolve("b.safetensors");
    Safetensors.write(again, read.tensors(), read.metadata());
    assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again));
  }

  @Test
  void tinyFileHasLengthPrefixJsonHeaderSpacePaddingThenData() throws IOException {
    Path file = dir.resolve("tiny.safetensors");
    Safetensors.write(file, Map.of("x", HostTensor.ofFloats(new long[] {1}, new float[] {1f})), Map.of());

    String json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    assertEquals(54, json.length());
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(56, in.getLong(0), "header padded from 54 to the next multiple of 8");
    assertEquals(json + "  ", new String(bytes, 8, 56, StandardCharsets.UTF_8));
    assertEquals(8 + 56 + 4, bytes.length);
    assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, Arrays.copyOfRange(bytes, 64, 68));
  }

  @Test
  void fileWrittenByPythonSafetensorsIsRead() throws IOException {
    Path file = dir.resolve("python.safetensors");
    try (InputStream in = getClass().getResourceAsStream("/checkpoint/python-written.safetensors")) {
      Files.copy(in, file);
    }
    SafetensorsFile read = Safetensors.read(file);
    assertEquals(Map.of("written_by", "python"), read.metadata());
    assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 4f}, read.tensor("model.embed_tokens.weight").toFloats());
    assertArrayEquals(new long[] {2, 2}, read.entry("model.embed_tokens.weight").shape());
    assertArrayEquals(new double[] {0.125, -1e300, 7}, read.tensor("exp_avg.model.norm.weight").toDoubles());
    assertArrayEquals(new long[] {3, -1, 1L << 40}, read.tensor("data.position").toLongs());
    HostTensor scalar = read.tensor("model.scalar");
    assertArrayEquals(new long[] {}, scalar.shape());
    assertArrayEquals(new float[] {2.5f}, scalar.toFloats());
  }

  @Test
  void headerClaimingTenGibIsRejectedBeforeAllocating() throws IOException {
    Path file = fileClaimingHeaderLength(TEN_GIB);
    assertProblem(file, "header length 10737418240 bytes exceeds the limit of 100000000");
  }

  @Test
  void headerLengthBeyondTheFileIsRejected() throws IOException {
    Path file = fileClaimingHeaderLength(1000);
    assertProblem(file, "header length 1000 runs past the end of the file (10 bytes)");
  }

  @Test
  void fileShorterThanTheLengthPrefixIsRejected() throws IOException {
    Path file = dir.resolve("short.safetensors");
    Files.write(file, new byte[] {1, 2, 3});
    assertProblem(file, "file has 3 bytes, too short");
  }

  @Test
  void headerThatIsNotJsonIsRejected() throws IOException {
    assertProblem(rawFile("{\"x\": nope}"), "header is not valid JSON");
  }

  @Test
  void unknownDtypeIsRejected() throws IOException {
    assertProblem(rawFile("{\"x\":{\"dtype\":\"F8_E5M2\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2),
        "tensor 'x' has unknown dtype 'F8_E5M2'");
  }

  @Test
  void offsetsNotMatchingShapeAndDtypeAreRejected() throws IOException {
    assertProblem(rawFile("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
        "tensor 'x' data_offsets [0, 8] span 8 bytes but F32 [3] needs 12");
  }

  @Test
  void overlappingTensorsAreRejected() throws IOException {
    assertProblem(rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
        "tensors 'a' [0, 8) and 'b' [4, 12) overlap");
  }

  @Test
  void bytesBelongingToNoTensorAreRejected() throws IOException {
    assertProblem(rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
        "data bytes [0, 4) belong to no tensor");
    assertProblem(rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 6),
        "2 bytes after the last tensor belong to no tensor");
  }

  @Test
  void truncatedFileIsRejected() throws IOException {
    Path file = dir.resolve("t.safetensors");
    Safetensors.write(file, sampleTensors(), Map.of());
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(whole, whole.length - 3));
    assertProblem(file, "file truncated: the header describes");
  }

  @Test
  void duplicateTensorNameIsRejected() throws IOException {
    assertProblem(rawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
        + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2), "Duplicate field 'a'");
  }

  @Test
  void nonStringMetadataIsRejected() throws IOException {
    assertProblem(rawFile("{\"__metadata__\":{\"step\":200}}"), "__metadata__.step is not a string");
  }

  @Test
  void askingForAMissingTensorNamesIt() throws IOException {
    Path file = dir.resolve("a.safetensors");
    Safetensors.write(file, sampleTensors(), Map.of());
    CheckpointError e = assertThrows(CheckpointError.class, () -> Safetensors.read(file).tensor("nope"));
    assertEquals("no tensor named 'nope'", e.problem());
  }

  /**
   * The bound on a checkpoint's extra memory: each source is read only once every tensor before it is in the file,
   * so the writer never holds more than one tensor's bytes (bytes handed out but not yet written are zero at every
   * read), and it reads nothing ahead.
   */
  @Test
  void writerReadsEachTensorOnlyAfterEveryEarlierOneIsInTheFile() throws IOException {
    Path file = dir.resolve("streamed.safetensors");
    Map<String, HostTensor> tensors = sampleTensors();
    List<Long> fileBytesAtRead = new ArrayList<>();
    List<Long> bytesHandedOutBefore = new ArrayList<>();
    long[] handedOut = {0};
    Map<String, TensorSource> sources = new LinkedHashMap<>();
    tensors.forEach((name, tensor) -> sources.put(name, new TensorSource() {
      @Override
      public DType dtype() {
        return tensor.dtype();
      }

      @Override
      public long[] shape() {
        return tensor.shape();
      }

      @Override
      public HostTensor read() {
        fileBytesAtRead.add(sizeOf(file));
        bytesHandedOutBefore.add(handedOut[0]);
        handedOut[0] += tensor.byteSize();
        return tensor;
      }
    }));
    Safetensors.write(file, sources, Map.of());

    assertEquals(tensors.size(), fileBytesAtRead.size(), "each source read exactly once");
    long dataStart = Files.size(file) - handedOut[0];
    for (int i = 0; i < fileBytesAtRead.size(); i++) {
      long heldBeforeThisRead = bytesHandedOutBefore.get(i) - (fileBytesAtRead.get(i) - dataStart);
      assertEquals(0, heldBeforeThisRead, "bytes read but not yet written when tensor " + i + " was read");
    }
    assertEquals(tensors, Safetensors.read(file).tensors());
  }

  @Test
  void aSourceReadingOtherThanItDeclaredIsRejected() {
    Path file = dir.resolve("liar.safetensors");
    HostTensor three = HostTensor.ofFloats(new long[] {3}, new float[] {1, 2, 3});
    TensorSource liar = new TensorSource() {
      @Override
      public DType dtype() {
        return DType.F32;
      }

      @Override
      public long[] shape() {
        return new long[] {2};
      }

      @Override
      public HostTensor read() {
        return three;
      }
    };
    CheckpointError e = assertThrows(CheckpointError.class, () -> Safetensors.write(file, Map.of("w", liar), Map.of()));
    assertEquals("tensor 'w' was declared F32 [2] but read as F32 [3]", e.problem());
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void assertProblem(Path file, String expected) {
    CheckpointError e = assertThrows(CheckpointError.class, () -> Safetensors.read(file));
    assertEquals(file, e.file());
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    assertTrue(e.problem().contains(expected), "expected '" + expected + "' in: " + e.problem());
  }

  private Path rawFile(String header) throws IOException {
    return rawFile(header, 0);
  }

  /** A file with this header (its true length as prefix) followed by this many zero data bytes. */
  private Path rawFile(String header, int dataBytes) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(json.length).put(json);
    Path file = Files.createTempFile(dir, "raw", ".safetensors");
    Files.write(file, b.array());
    return file;
  }

  /** A 10-byte file whose prefix claims this header length, followed by a 2-byte header. */
  private Path fileClaimingHeaderLength(long claimedLength) throws IOException {
    byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(claimedLength).put(json);
    Path file = Files.createTempFile(dir, "raw", ".safetensors");
    Files.write(file, b.array());
    return file;
  }
}

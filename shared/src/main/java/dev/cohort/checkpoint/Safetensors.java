package dev.cohort.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.cohort.tensor.HostTensor;
import dev.cohort.tensor.TensorSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format (github.com/huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON header {@code {"__metadata__": {..}, name: {dtype, shape, data_offsets: [begin, end]}}}
 * padded with spaces to a multiple of 8, then the tensors' bytes back to back, offsets relative to the data start.
 */
public final class Safetensors {
  /** Longest header accepted, the reference implementation's own bound; checked before anything is allocated. */
  public static final long MAX_HEADER_BYTES = 100_000_000;

  static final int LENGTH_PREFIX_BYTES = Long.BYTES;
  static final int HEADER_ALIGNMENT = 8;
  static final String METADATA_KEY = "__metadata__";
  /** Heap buffers go to a FileChannel through a temporary direct buffer of their size: write in slices this big. */
  private static final int WRITE_SLICE_BYTES = 1 << 20;

  private Safetensors() {}

  /**
   * Writes the tensors in map order, then fsyncs the file, so it is durable when this returns. The header comes from
   * the sources' dtypes and shapes alone; each source is then read only when its turn comes and dropped once its
   * bytes are in the file, so the writer never holds more than one tensor's bytes (a model's checkpoint does not
   * need a second copy of the model in memory).
   */
  public static void write(Path file, Map<String, ? extends TensorSource> tensors, Map<String, String> metadata)
      throws IOException {
    byte[] header = header(file, tensors, metadata);
    ByteBuffer prefix = ByteBuffer.allocate(LENGTH_PREFIX_BYTES + header.length).order(ByteOrder.LITTLE_ENDIAN);
    prefix.putLong(header.length).put(header).flip();
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      writeFully(out, prefix);
      for (Map.Entry<String, ? extends TensorSource> e : tensors.entrySet()) {
        writeFully(out, asDeclared(file, e.getKey(), e.getValue()).data());
      }
      out.force(true);
    }
  }

  /** The source's bytes, which must be what the header already promised. */
  private static HostTensor asDeclared(Path file, String name, TensorSource source) {
    HostTensor t = source.read();
    if (t.dtype() != source.dtype() || !Arrays.equals(t.shape(), source.shape())) {
      throw new CheckpointError(file, "tensor '" + name + "' was declared " + source.dtype() + " "
          + Arrays.toString(source.shape()) + " but read as " + t.dtype() + " " + Arrays.toString(t.shape()));
    }
    return t;
  }

  /** Reads and validates the header; tensors are mapped from the file only when asked for. */
  public static SafetensorsFile read(Path file) throws IOException {
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = in.size();
      long headerLength = readHeaderLength(file, in, fileSize);
      ByteBuffer header = ByteBuffer.allocate((int) headerLength);
      readFully(file, in, header, LENGTH_PREFIX_BYTES);
      long dataStart = LENGTH_PREFIX_BYTES + headerLength;
      SafetensorsHeader parsed = SafetensorsHeader.parse(file, header.array(), fileSize - dataStart);
      return new SafetensorsFile(file, dataStart, parsed);
    }
  }

  private static long readHeaderLength(Path file, FileChannel in, long fileSize) throws IOException {
    if (fileSize < LENGTH_PREFIX_BYTES) {
      throw new CheckpointError(file, "file has " + fileSize + " bytes, too short for the 8-byte header length");
    }
    ByteBuffer prefix = ByteBuffer.allocate(LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    readFully(file, in, prefix, 0);
    long length = prefix.getLong(0);
    // Unsigned in the format: a negative long here is a length above 2^63.
    if (length < 0 || length > MAX_HEADER_BYTES) {
      throw new CheckpointError(file, "header length " + Long.toUnsignedString(length) + " bytes exceeds the limit of "
          + MAX_HEADER_BYTES + " (not a safetensors file, or corrupt)");
    }
    if (LENGTH_PREFIX_BYTES + length > fileSize) {
      throw new CheckpointError(file, "header length " + length + " runs past the end of the file (" + fileSize
          + " bytes): truncated or not a safetensors file");
    }
    return length;
  }

  private static byte[] header(Path file, Map<String, ? extends TensorSource> tensors, Map<String, String> metadata) {
    Map<String, Object> root = new LinkedHashMap<>();
    if (!metadata.isEmpty()) root.put(METADATA_KEY, metadata);
    long offset = 0;
    for (Map.Entry<String, ? extends TensorSource> e : tensors.entrySet()) {
      if (e.getKey().equals(METADATA_KEY)) throw new CheckpointError(file, "a tensor cannot be named " + METADATA_KEY);
      TensorSource t = e.getValue();
      long end = offset + HostTensor.byteSize(t.dtype(), t.shape());
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("dtype", t.dtype().name());
      entry.put("shape", t.shape());
      entry.put("data_offsets", List.of(offset, end));
      root.put(e.getKey(), entry);
      offset = end;
    }
    byte[] json = toJson(file, root);
    int padded = (json.length + HEADER_ALIGNMENT - 1) / HEADER_ALIGNMENT * HEADER_ALIGNMENT;
    if (padded > MAX_HEADER_BYTES) throw new CheckpointError(file, "header of " + padded + " bytes is too long");
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return header;
  }

  private static byte[] toJson(Path file, Map<String, Object> root) {
    try {
      return Json.MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new CheckpointError(file, "cannot encode the header", e);
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      ByteBuffer slice = bytes.slice();
      slice.limit(Math.min(slice.remaining(), WRITE_SLICE_BYTES));
      int written = out.write(slice);
      bytes.position(bytes.position() + written);
    }
  }

  private static void readFully(Path file, FileChannel in, ByteBuffer into, long position) throws IOException {
    while (into.hasRemaining()) {
      int n = in.read(into, position + into.position());
      if (n < 0) throw new CheckpointError(file, "file ended while reading bytes at " + position);
    }
  }
}

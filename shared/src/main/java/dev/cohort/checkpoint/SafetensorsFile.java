package dev.cohort.checkpoint;

import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file whose header has been read and validated. Tensors are memory-mapped on demand, so reading a
 * large file costs no heap copy; the mapping stays valid after the file is deleted.
 */
public final class SafetensorsFile {
  private final Path file;
  private final long dataStart;
  private final SafetensorsHeader header;

  SafetensorsFile(Path file, long dataStart, SafetensorsHeader header) {
    this.file = file;
    this.dataStart = dataStart;
    this.header = header;
  }

  /**
   * Where a tensor lies in the data section, and what it is.
   *
   * @param begin first byte, relative to the end of the header
   * @param end one past the last byte
   */
  public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    public Entry {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    String range() {
      return "[" + begin + ", " + end + ")";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Entry e && name.equals(e.name) && dtype == e.dtype && Arrays.equals(shape, e.shape)
          && begin == e.begin && end == e.end;
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + Long.hashCode(begin);
    }

    @Override
    public String toString() {
      return name + ": " + dtype + " " + Arrays.toString(shape) + " at " + range();
    }
  }

  public Path file() {
    return file;
  }

  /** The {@code __metadata__} strings, empty when the file has none. */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /** Tensor names in header order (the order they were written in). */
  public List<String> names() {
    return List.copyOf(header.entries().keySet());
  }

  public Entry entry(String name) {
    Entry e = header.entries().get(name);
    if (e == null) throw new CheckpointError(file, "no tensor named '" + name + "'");
    return e;
  }

  /** The named tensor, a read-only view of the file's bytes. */
  public HostTensor tensor(String name) throws IOException {
    Entry e = entry(name);
    long length = e.end() - e.begin();
    if (length > Integer.MAX_VALUE) {
      throw new CheckpointError(file, "tensor '" + name + "' has " + length + " bytes, more than one buffer holds");
    }
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      MappedByteBuffer bytes = in.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), length);
      return new HostTensor(e.dtype(), e.shape(), bytes);
    }
  }

  /** Every tensor, in header order. */
  public Map<String, HostTensor> tensors() throws IOException {
    Map<String, HostTensor> all = new LinkedHashMap<>();
    for (String name : header.entries().keySet()) all.put(name, tensor(name));
    return all;
  }
}

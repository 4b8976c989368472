package dev.cohort.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cohort.checkpoint.SafetensorsFile.Entry;
import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors header, parsed and checked against the rules of the reference implementation: the tensors' byte
 * ranges must match dtype and shape, and tile the data section exactly, with no gap, no overlap and nothing after.
 *
 * @param metadata the {@code __metadata__} map, empty when absent
 * @param entries the tensors in header order
 */
record SafetensorsHeader(Map<String, String> metadata, Map<String, Entry> entries) {
  static SafetensorsHeader parse(Path file, byte[] header, long dataLength) {
    JsonNode root = readJson(file, header);
    Map<String, String> metadata = Map.of();
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      if (field.getKey().equals(Safetensors.METADATA_KEY)) {
        metadata = metadata(file, field.getValue());
      } else {
        entries.put(field.getKey(), entry(file, field.getKey(), field.getValue()));
      }
    }
    checkLayout(file, entries.values(), dataLength);
    return new SafetensorsHeader(Map.copyOf(metadata), entries);
  }

  private static JsonNode readJson(Path file, byte[] header) {
    if (header.length == 0 || header[0] != '{') throw new CheckpointError(file, "header does not start with '{'");
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(header);
    } catch (JsonProcessingException e) {
      throw new CheckpointError(file, "header is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new CheckpointError(file, "header is not valid JSON: " + e.getMessage());
    }
    if (!root.isObject()) throw new CheckpointError(file, "header is not a JSON object");
    return root;
  }

  private static Map<String, String> metadata(Path file, JsonNode node) {
    if (!node.isObject()) throw new CheckpointError(file, Safetensors.METADATA_KEY + " is not a JSON object");
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!field.getValue().isTextual()) {
        throw new CheckpointError(file, Safetensors.METADATA_KEY + "." + field.getKey() + " is not a string");
      }
      metadata.put(field.getKey(), field.getValue().textValue());
    }
    return metadata;
  }

  private static Entry entry(Path file, String name, JsonNode node) {
    String where = "tensor '" + name + "'";
    if (!node.isObject()) throw new CheckpointError(file, where + " is not a JSON object");
    String dtypeName = node.path("dtype").asText("");
    DType dtype = DType.ofSafetensorsName(dtypeName).orElseThrow(() -> new CheckpointError(file,
        where + " has unknown dtype '" + dtypeName + "' (supported: " + Arrays.toString(DType.values()) + ")"));
    long[] shape = naturals(file, where + " shape", node.get("shape"));
    long[] offsets = naturals(file, where + " data_offsets", node.get("data_offsets"));
    if (offsets.length != 2 || offsets[0] > offsets[1]) {
      throw new CheckpointError(file, where + " data_offsets " + Arrays.toString(offsets) + " is not [begin, end]");
    }
    long needed = byteSize(file, where, dtype, shape);
    if (offsets[1] - offsets[0] != needed) {
      throw new CheckpointError(file, where + " data_offsets " + Arrays.toString(offsets) + " span "
          + (offsets[1] - offsets[0]) + " bytes but " + dtype + " " + Arrays.toString(shape) + " needs " + needed);
    }
    return new Entry(name, dtype, shape, offsets[0], offsets[1]);
  }

  private static long byteSize(Path file, String where, DType dtype, long[] shape) {
    try {
      return HostTensor.byteSize(dtype, shape);
    } catch (ArithmeticException e) {
      throw new CheckpointError(file, where + " shape " + Arrays.toString(shape) + " overflows a 64-bit byte count");
    }
  }

  /** A JSON array of non-negative integers that fit a long. */
  private static long[] naturals(Path file, String what, JsonNode node) {
    if (node == null || !node.isArray()) throw new CheckpointError(file, what + " is missing or not an array");
    long[] values = new long[node.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new CheckpointError(file, what + " holds " + v + ", not a non-negative integer");
      }
      values[i] = v.longValue();
    }
    return values;
  }

  private static void checkLayout(Path file, Iterable<Entry> entries, long dataLength) {
    List<Entry> byOffset = new ArrayList<>();
    entries.forEach(byOffset::add);
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long covered = 0;
    Entry previous = null;
    for (Entry e : byOffset) {
      if (e.begin() < covered) {
        throw new CheckpointError(file, "tensors '" + previous.name() + "' " + previous.range() + " and '" + e.name()
            + "' " + e.range() + " overlap");
      }
      if (e.begin() > covered) {
        throw new CheckpointError(file, "data bytes [" + covered + ", " + e.begin() + ") belong to no tensor");
      }
      covered = e.end();
      previous = e;
    }
    if (covered > dataLength) {
      throw new CheckpointError(file, "file truncated: the header describes " + covered + " data bytes but only "
          + dataLength + " follow it");
    }
    if (covered < dataLength) {
      throw new CheckpointError(file, (dataLength - covered) + " bytes after the last tensor belong to no tensor");
    }
  }
}

package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.model.layout.ParamSpec;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The named parameter tensors a process holds (all of them on a single worker, a slice under pipeline and expert
 * parallelism). Initialisation draws each tensor from a generator seeded by (seed, global name), so a parameter gets
 * the same values whichever worker creates it: distributed and single-worker runs start from identical weights.
 */
public final class Parameters {
  private final Map<String, NDArray> arrays = new LinkedHashMap<>();

  public static Parameters initialize(List<ParamSpec> specs, long seed, NDManager manager, DataType dtype) {
    Parameters params = new Parameters();
    for (ParamSpec spec : specs) {
      params.put(spec.name(), create(manager, initialValues(spec, seed), new Shape(spec.shape()), dtype));
    }
    return params;
  }

  private static NDArray create(NDManager manager, double[] values, Shape shape, DataType dtype) {
    if (dtype == DataType.FLOAT64) return manager.create(values, shape);
    float[] floats = new float[values.length];
    for (int i = 0; i < values.length; i++) floats[i] = (float) values[i];
    return manager.create(floats, shape);
  }

  static double[] initialValues(ParamSpec spec, long seed) {
    double[] values = new double[Math.toIntExact(spec.numel())];
    if (spec.initStd() == 0) {
      java.util.Arrays.fill(values, 1.0);
      return values;
    }
    SplittableRandom random = new SplittableRandom(seed ^ fnv1a64(spec.name()));
    for (int i = 0; i < values.length; i++) values[i] = random.nextGaussian() * spec.initStd();
    return values;
  }

  /** A stable 64-bit hash of a name (String.hashCode is only 32 bits and collides readily). */
  static long fnv1a64(String name) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }

  public void put(String name, NDArray array) {
    array.setName(name);
    arrays.put(name, array);
  }

  public NDArray get(String name) {
    NDArray array = arrays.get(name);
    if (array == null) throw new IllegalArgumentException("no parameter named '" + name + "' in this model slice");
    return array;
  }

  public boolean contains(String name) {
    return arrays.containsKey(name);
  }

  public Map<String, NDArray> asMap() {
    return java.util.Collections.unmodifiableMap(arrays);
  }

  public Collection<String> names() {
    return arrays.keySet();
  }

  public Collection<NDArray> arrays() {
    return arrays.values();
  }

  /**
   * Marks every tensor as a leaf that accumulates gradients, and gives each a zero gradient now: PyTorch creates a
   * gradient only when a backward reaches the tensor, and an expert that received no token would otherwise have none
   * for the optimizer and the all-reduce to read.
   */
  public void requireGradients() {
    for (NDArray array : arrays.values()) array.setRequiresGradient(true);
    boolean recording = Autograd.recording();
    Autograd.record(true);
    try (NDScope scope = new NDScope()) {
      NDArray touch = null;
      for (NDArray array : arrays.values()) {
        NDArray zero = array.sum().mul(Ops.scalar(array, 0));
        touch = touch == null ? zero : touch.add(zero);
      }
      if (touch != null) Autograd.backward(touch);
    } finally {
      Autograd.record(recording);
    }
    Autograd.zeroGradients(arrays.values());
  }

  public long count() {
    return arrays.values().stream().mapToLong(a -> a.getShape().size()).sum();
  }
}

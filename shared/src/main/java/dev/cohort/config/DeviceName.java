package dev.cohort.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a worker's tensors live, as written in {@code train.device}: {@code cpu}, {@code gpu} (the first GPU this
 * process sees, which is the one its launcher gave it through CUDA_VISIBLE_DEVICES) or {@code gpu:N} (the N-th GPU
 * this process sees). Engine-free: dev.cohort.device.Devices maps it to DJL's Device.
 *
 * @param gpu whether the tensors live on a GPU
 * @param index the GPU's index among the visible ones; 0 for {@code gpu} and for the CPU
 */
public record DeviceName(boolean gpu, int index) {
  public static final DeviceName CPU = new DeviceName(false, 0);

  private static final Pattern FORM = Pattern.compile("cpu|gpu(?::(\\d{1,4}))?");

  /** Parses the setting at {@code path}, or fails naming the path and the accepted forms. */
  public static DeviceName parse(String path, String text) {
    Matcher m = FORM.matcher(text);
    if (!m.matches()) throw new ConfigError(path, "must be cpu, gpu or gpu:N (N = 0, 1, ...), got '" + text + "'");
    if (text.equals("cpu")) return CPU;
    return new DeviceName(true, m.group(1) == null ? 0 : Integer.parseInt(m.group(1)));
  }

  /** As written in the config: cpu or gpu:N. */
  @Override
  public String toString() {
    return gpu ? "gpu:" + index : "cpu";
  }
}

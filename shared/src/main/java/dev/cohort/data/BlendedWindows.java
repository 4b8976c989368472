package dev.cohort.data;

import java.util.List;

/** The training windows of a mixture: sample g is the {@link BlendSchedule}'s source's own sample. */
public final class BlendedWindows implements Windows {
  private final List<WindowSampler> sources;
  private final BlendSchedule schedule;

  /** @param weights relative shares of {@code sources}, in the same order */
  public BlendedWindows(List<WindowSampler> sources, double[] weights) {
    if (sources.size() != weights.length || sources.isEmpty()) {
      throw new IllegalArgumentException(sources.size() + " sources with " + weights.length + " weights");
    }
    this.sources = List.copyOf(sources);
    this.schedule = new BlendSchedule(weights);
  }

  /** Which source sample {@code globalSampleIndex} comes from (its place in the list). */
  public int source(long globalSampleIndex) {
    return schedule.draw(globalSampleIndex).source();
  }

  @Override
  public int[] window(long globalSampleIndex) {
    BlendSchedule.Draw draw = schedule.draw(globalSampleIndex);
    return sources.get(draw.source()).window(draw.index());
  }
}

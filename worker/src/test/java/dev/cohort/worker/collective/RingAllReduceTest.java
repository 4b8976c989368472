package dev.cohort.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.placement.WorkerId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RingAllReduceTest {
  private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(5);
  private static final long EPOCH = 3;
  private static final long STEP = 17;

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final LocalExchange.Hub hub = new LocalExchange.Hub();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @ParameterizedTest(name = "{0} workers, {1} elements")
  @CsvSource({"1,5", "2,1", "2,7", "2,8", "3,2", "3,3", "3,10", "4,3", "4,16", "4,1001"})
  void everyMemberEndsWithTheSameElementwiseSum(int workers, int length) throws Exception {
    List<WorkerId> group = group(workers);
    float[][] inputs = randomInputs(workers, length, new Random(workers * 1000L + length));
    float[][] results = deepCopy(inputs);

    runOnEveryMember(group, (rank, ring) -> ring.allReduceSum(group, results[rank], EPOCH, STEP, "dp"));

    assertCloseToExactSum(inputs, results[0]);
    for (int rank = 1; rank < workers; rank++) {
      assertTrue(bitwiseEqual(results[0], results[rank]), "member " + rank + " is not bitwise equal to member 0");
    }
    group.forEach(w -> assertEquals(0, hub.pending(w), "undelivered tensors for " + w));
  }

  /** Uneven segments, one of them empty, as parameters grouped by owner make them. */
  @ParameterizedTest(name = "bounds {0}")
  @CsvSource({"0;3;3;10", "0;0;7;10", "0;10", "0;4;10"})
  void reduceScatterLeavesEachMemberTheSumOfItsOwnSegment(String cuts) throws Exception {
    int[] bounds = Arrays.stream(cuts.split(";")).mapToInt(Integer::parseInt).toArray();
    int workers = bounds.length - 1;
    List<WorkerId> group = group(workers);
    float[][] inputs = randomInputs(workers, bounds[workers], new Random(cuts.hashCode()));
    float[][] results = deepCopy(inputs);

    runOnEveryMember(group, (rank, ring) -> ring.reduceScatterSum(group, results[rank], bounds, EPOCH, STEP, "dp"));

    for (int rank = 0; rank < workers; rank++) {
      float[] own = Arrays.copyOfRange(results[rank], bounds[rank], bounds[rank + 1]);
      int r = rank;
      float[][] segmentInputs = Arrays.stream(inputs).map(in -> Arrays.copyOfRange(in, bounds[r], bounds[r + 1]))
          .toArray(float[][]::new);
      assertCloseToExactSum(segmentInputs, own);
    }
    group.forEach(w -> assertEquals(0, hub.pending(w), "undelivered tensors for " + w));
  }

  @ParameterizedTest(name = "bounds {0}")
  @CsvSource({"0;3;3;10", "0;0;7;10", "0;4;10"})
  void allGatherGivesEveryMemberEverySegment(String cuts) throws Exception {
    int[] bounds = Arrays.stream(cuts.split(";")).mapToInt(Integer::parseInt).toArray();
    int workers = bounds.length - 1;
    List<WorkerId> group = group(workers);
    float[] whole = randomInputs(1, bounds[workers], new Random(cuts.hashCode()))[0];
    float[][] results = new float[workers][bounds[workers]];
    for (int rank = 0; rank < workers; rank++) {
      System.arraycopy(whole, bounds[rank], results[rank], bounds[rank], bounds[rank + 1] - bounds[rank]);
    }

    runOnEveryMember(group, (rank, ring) -> ring.allGather(group, results[rank], bounds, EPOCH, STEP, "params"));

    for (int rank = 0; rank < workers; rank++) assertArrayEquals(whole, results[rank], 0f, "member " + rank);
  }

  @Test
  void boundsThatDoNotCutTheDataAreRefused() {
    RingAllReduce ring = new RingAllReduce(hub.exchangeFor(group(2).get(0)), RECEIVE_TIMEOUT);
    var error = assertThrows(IllegalArgumentException.class,
        () -> ring.reduceScatterSum(group(2), new float[5], new int[] {0, 3, 4}, EPOCH, STEP, "dp"));
    assertTrue(error.getMessage().contains("[0, 3, 4]"), error.getMessage());
  }

  @Test
  void twoAllReducesOfOneStepWithDifferentTagsDoNotMix() throws Exception {
    List<WorkerId> group = group(3);
    float[][] dense = {{1, 2, 3, 4}, {10, 20, 30, 40}, {100, 200, 300, 400}};
    float[][] embed = {{-1, -1}, {-2, -2}, {-3, -3}};

    runOnEveryMember(group, (rank, ring) -> {
      ring.allReduceSum(group, dense[rank], EPOCH, STEP, "dense");
      ring.allReduceSum(group, embed[rank], EPOCH, STEP, "embed");
    });

    for (int rank = 0; rank < 3; rank++) {
      assertArrayEquals(new float[] {111, 222, 333, 444}, dense[rank], 0f);
      assertArrayEquals(new float[] {-6, -6}, embed[rank], 0f);
    }
  }

  @Test
  void aMissingPeerMakesTheOthersTimeOutInsteadOfHanging() throws Exception {
    Duration timeout = Duration.ofMillis(200);
    List<WorkerId> group = group(3);
    List<Future<?>> present = new ArrayList<>();
    for (int rank = 0; rank < 2; rank++) { // the member of rank 2 never comes
      RingAllReduce ring = new RingAllReduce(hub.exchangeFor(group.get(rank)), timeout);
      present.add(threads.submit(() -> ring.allReduceSum(group, new float[] {1, 2, 3}, EPOCH, STEP, "dp")));
    }
    long started = System.nanoTime();
    for (Future<?> member : present) {
      var failure = assertThrows(ExecutionException.class, () -> member.get(5, TimeUnit.SECONDS));
      assertTrue(failure.getCause() instanceof ExchangeTimeout, "expected a timeout, got " + failure.getCause());
    }
    // Each member gives up after one receive timeout, the second at worst one more after its left neighbour.
    assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(timeout.multipliedBy(3)) < 0,
        "members took too long to give up");
  }

  @Test
  void aWorkerOutsideTheGroupIsRefused() {
    RingAllReduce ring = new RingAllReduce(hub.exchangeFor(new WorkerId("stranger")), RECEIVE_TIMEOUT);
    var error = assertThrows(IllegalArgumentException.class,
        () -> ring.allReduceSum(group(2), new float[1], EPOCH, STEP, "dp"));
    assertTrue(error.getMessage().contains("stranger"), error.getMessage());
  }

  private void runOnEveryMember(List<WorkerId> group, BiConsumer<Integer, RingAllReduce> work) throws Exception {
    List<Future<?>> members = new ArrayList<>();
    for (int rank = 0; rank < group.size(); rank++) {
      int r = rank;
      RingAllReduce ring = new RingAllReduce(hub.exchangeFor(group.get(rank)), RECEIVE_TIMEOUT);
      members.add(threads.submit(() -> work.accept(r, ring)));
    }
    for (Future<?> member : members) member.get(10, TimeUnit.SECONDS);
  }

  private static List<WorkerId> group(int workers) {
    return IntStream.range(0, workers).mapToObj(i -> new WorkerId("worker-" + i)).toList();
  }

  /** Values of mixed magnitude and sign, so that summing in different orders would round differently. */
  private static float[][] randomInputs(int workers, int length, Random random) {
    float[][] inputs = new float[workers][length];
    for (float[] input : inputs) {
      for (int i = 0; i < length; i++) input[i] = (float) ((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(6)));
    }
    return inputs;
  }

  /** Float summation of n terms is off the exact sum by at most about n roundings of the largest partial sum. */
  private static void assertCloseToExactSum(float[][] inputs, float[] actual) {
    for (int i = 0; i < actual.length; i++) {
      double exact = 0;
      double magnitude = 0;
      for (float[] input : inputs) {
        exact += input[i];
        magnitude += Math.abs(input[i]);
      }
      double tolerance = inputs.length * Math.ulp((float) magnitude);
      assertEquals(exact, actual[i], tolerance, "element " + i);
    }
  }

  private static float[][] deepCopy(float[][] arrays) {
    return Arrays.stream(arrays).map(float[]::clone).toArray(float[][]::new);
  }

  private static boolean bitwiseEqual(float[] a, float[] b) {
    return IntStream.range(0, a.length).allMatch(i -> Float.floatToRawIntBits(a[i]) == Float.floatToRawIntBits(b[i]));
  }
}

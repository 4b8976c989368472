package dev.cohort.placement;

import dev.cohort.config.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Who holds what, for one epoch of the run: pp pipeline stages, each run by dp data-parallel replicas, the replicas
 * of a stage cut into dp/ep expert-parallel groups. Every replica holds all the non-expert parameters of its stage;
 * the routed experts of each MoE layer are split evenly inside each ep group. A new epoch is planned whenever the
 * set of workers changes, so messages carrying an older epoch are stale.
 *
 * @param epoch increases on every replan
 * @param pp pipeline stages
 * @param dp data-parallel replicas per stage
 * @param ep expert-parallel group size, dividing dp
 * @param stages the layer slices, stage i at index i
 * @param workers workers.get(stage).get(replica): the worker running that replica of that stage
 * @param roles each worker's role, consistent with {@code workers}
 */
public record Placement(
    long epoch, int pp, int dp, int ep, List<StageSpec> stages, List<List<WorkerId>> workers,
    Map<WorkerId, Role> roles) {

  public Placement {
    stages = List.copyOf(stages);
    workers = workers.stream().map(List::copyOf).toList();
    roles = Map.copyOf(roles);
    PlacementError.require(stages.size() == pp && workers.size() == pp
        && workers.stream().allMatch(replicas -> replicas.size() == dp) && roles.size() == pp * dp,
        "a placement needs " + pp + " stages of " + dp + " replicas, each with a role");
    for (int stage = 0; stage < pp; stage++) {
      for (int replica = 0; replica < dp; replica++) {
        Role role = roles.get(workers.get(stage).get(replica));
        PlacementError.require(role != null && role.stage() == stage && role.replica() == replica,
            "worker " + workers.get(stage).get(replica) + " has no role matching stage " + stage
                + " replica " + replica);
      }
    }
  }

  public boolean holds(WorkerId worker) {
    return roles.containsKey(worker);
  }

  public Role role(WorkerId worker) {
    Role role = roles.get(worker);
    PlacementError.require(role != null, "worker " + worker + " has no role in placement epoch " + epoch);
    return role;
  }

  public WorkerId worker(int stage, int replica) {
    return workers.get(stage).get(replica);
  }

  public StageSpec stage(int stage) {
    return stages.get(stage);
  }

  public int lastStage() {
    return pp - 1;
  }

  /** The stage holding decoder layer {@code layer}. */
  public int stageOf(int layer) {
    return stages.stream().filter(s -> s.holdsLayer(layer)).findFirst()
        .orElseThrow(() -> new PlacementError("layer " + layer + " is in no stage of placement epoch " + epoch))
        .index();
  }

  /** The data-parallel peers of a stage, by replica: they all-reduce the gradients of the non-expert parameters. */
  public List<WorkerId> replicasOf(int stage) {
    return workers.get(stage);
  }

  /** The ep group {@code replica} belongs to, by rank: the workers its tokens are dispatched among (all-to-all). */
  public List<WorkerId> epGroupOf(int stage, int replica) {
    int first = replica / ep * ep;
    return workers.get(stage).subList(first, first + ep);
  }

  /**
   * The workers holding the same experts as rank {@code epRank}, one per ep group: they all-reduce those experts'
   * gradients (with ep = dp, each expert lives once and needs no all-reduce).
   */
  public List<WorkerId> expertReplicasOf(int stage, int epRank) {
    return IntStream.range(0, dp / ep).mapToObj(group -> worker(stage, group * ep + epRank)).toList();
  }

  /** The worker in {@code replica}'s ep group that owns routed expert {@code expertId} of this stage's MoE layers. */
  public WorkerId expertOwner(int stage, int replica, int expertId) {
    return epGroupOf(stage, replica).stream().filter(w -> role(w).ownsExpert(expertId)).findFirst()
        .orElseThrow(() -> new PlacementError("no worker of stage " + stage + " owns expert " + expertId
            + " (the stage has no MoE layer, or the expert id is out of range)"));
  }

  /** A table of every worker with its stage, layers, replica and experts, for the start-up log. */
  public String describe() {
    int idWidth = roles.keySet().stream().mapToInt(w -> w.value().length()).max().orElse(0);
    String row = "%-" + idWidth + "s  %5s  %-20s  %7s  %-13s  %s%n";
    StringBuilder table = new StringBuilder(String.format(
        "placement epoch %d: pp=%d x dp=%d, ep=%d (%d workers)%n", epoch, pp, dp, ep, pp * dp));
    table.append(String.format(row, "worker", "stage", "layers", "replica", "ep group/rank", "experts"));
    for (StageSpec spec : stages) {
      for (WorkerId worker : workers.get(spec.index())) {
        Role role = roles.get(worker);
        table.append(String.format(row, worker, spec.index(), layersOf(spec), role.replica(),
            role.epGroup() + "/" + role.epRank(), expertsOf(role)));
      }
    }
    return table.toString();
  }

  private static String layersOf(StageSpec spec) {
    List<String> parts = new ArrayList<>();
    if (spec.hasEmbedding()) parts.add("embed");
    parts.add(spec.firstLayer() + ".." + (spec.endLayer() - 1));
    if (spec.hasHead()) parts.add("head");
    return String.join(" + ", parts);
  }

  private static String expertsOf(Role role) {
    List<Integer> experts = role.experts();
    if (experts.isEmpty()) return "-";
    int first = experts.get(0);
    int last = experts.get(experts.size() - 1);
    return first == last ? String.valueOf(first) : first + ".." + last;
  }

  /**
   * The micro-batches of one optimizer step that data-parallel replica {@code replica} runs: a contiguous block of
   * gradAccumSteps/dp of them. Micro-batch m, row r of step s is always global sample
   * {@link #globalSampleIndex}, whatever dp is, and every replica scales its loss by 1/gradAccumSteps (the global
   * count) before the gradients are summed across replicas: so a step sees the same samples and the same averaged
   * gradient on one worker or many, and after a failure fewer replicas simply take larger blocks.
   */
  public static List<Integer> microBatchesOf(int replica, int dp, int gradAccumSteps) {
    PlacementError.require(dp > 0 && gradAccumSteps % dp == 0,
        "train.grad-accum-steps=" + gradAccumSteps + " must be a multiple of dp=" + dp
            + " so that every data-parallel replica runs the same number of micro-batches");
    PlacementError.require(0 <= replica && replica < dp, "replica " + replica + " is outside [0, dp=" + dp + ")");
    int perReplica = gradAccumSteps / dp;
    return IntStream.range(replica * perReplica, (replica + 1) * perReplica).boxed().toList();
  }

  /** The sample a (step, micro-batch, row) reads: step * globalBatch + microBatch * microBatchSize + row. */
  public static long globalSampleIndex(TrainConfig train, long step, int microBatch, int row) {
    return step * train.globalBatch() + (long) microBatch * train.microBatchSize() + row;
  }
}

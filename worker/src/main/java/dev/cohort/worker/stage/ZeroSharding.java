package dev.cohort.worker.stage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.cohort.config.CohortConfig;
import dev.cohort.model.Ops;
import dev.cohort.model.Parameters;
import dev.cohort.model.layout.ParamNames;
import dev.cohort.placement.MomentOwners;
import dev.cohort.placement.Placement;
import dev.cohort.placement.Role;
import dev.cohort.placement.WorkerId;
import dev.cohort.worker.collective.Collective;
import dev.cohort.worker.train.AdamW;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One worker's data-parallel groups and, under parallel.zero, which parameters it owns in each. A stage's shared
 * parameters are held by all its replicas; a routed expert by the replicas of the same expert rank, one per ep group.
 * In each group every parameter has one owner: the member that counts its gradient in the global norm and writes it
 * into checkpoints. With zero = 0 that is the group's first member and every member updates every parameter; with
 * zero >= 1 it is {@link MomentOwners}'s choice, only the owner keeps AdamW moments and updates the parameter, and
 * the new values reach the other members by an all-gather. With zero = 2 the gradients are reduce-scattered, so only
 * an owner ends with the full-batch gradient of what it owns (the others' copies then hold partial sums).
 *
 * <p>Each group's tensors travel as one host vector, parameters ordered by owner so that each owner's are one
 * segment of it.
 */
final class ZeroSharding {
  private final int zero;
  private final Parameters params;
  private final Collective collective;
  private final NDManager manager;
  private final long epoch;
  private final List<Group> groups = new ArrayList<>();
  private final List<WorkerId> tiedPair; // the tied embedding's copies, first and last stage; empty when none
  private final boolean tiedCopy; // this worker holds the last stage's copy of a tied embedding
  private long reducedStep; // the step whose gradients were reduced last: the update that follows belongs to it

  /**
   * The members of one data-parallel group and its parameters, by owner.
   *
   * @param layout the group's parameters in vector order: owner 0's, then owner 1's, ...
   * @param bounds owner r's segment of the vector is [bounds[r], bounds[r + 1])
   */
  private record Group(String tag, List<WorkerId> members, int rank, Map<String, Integer> owners,
      List<String> layout, int[] bounds) {
    boolean owns(String name) {
      return owners.get(name) == rank;
    }
  }

  ZeroSharding(CohortConfig config, Placement placement, WorkerId self, Parameters params, Collective collective,
      NDManager manager) {
    this.zero = config.parallel().zero();
    this.params = params;
    this.collective = collective;
    this.manager = manager;
    this.epoch = placement.epoch();
    Role role = placement.role(self);
    List<String> shared = new ArrayList<>();
    List<String> experts = new ArrayList<>();
    params.names().forEach(n -> (ParamNames.isRoutedExpert(n) ? experts : shared).add(n));
    groups.add(group("dp", placement.replicasOf(role.stage()), self, shared));
    // A routed expert's copies are the same expert rank in every expert-parallel group of the stage.
    if (!experts.isEmpty()) {
      groups.add(group("dp-experts", placement.expertReplicasOf(role.stage(), role.epRank()), self, experts));
    }
    boolean tied = config.model().tieEmbeddings() && placement.pp() > 1
        && (role.stage() == 0 || role.stage() == placement.lastStage());
    this.tiedPair = tied ? List.of(placement.worker(0, role.replica()),
        placement.worker(placement.lastStage(), role.replica())) : List.of();
    this.tiedCopy = tied && role.stage() != 0;
  }

  private Group group(String tag, List<WorkerId> members, WorkerId self, List<String> names) {
    Map<String, Integer> owners = new LinkedHashMap<>();
    if (zero == 0) {
      names.forEach(n -> owners.put(n, 0));
    } else {
      Map<String, Long> sizes = new LinkedHashMap<>();
      names.forEach(n -> sizes.put(n, params.get(n).size()));
      MomentOwners moments = MomentOwners.of(sizes, members.size());
      names.forEach(n -> owners.put(n, moments.ownerOf(n)));
    }
    List<String> layout = new ArrayList<>();
    int[] bounds = new int[members.size() + 1];
    int offset = 0;
    for (int r = 0; r < members.size(); r++) {
      bounds[r] = offset;
      for (String name : names) {
        if (owners.get(name) != r) continue;
        layout.add(name);
        offset += Math.toIntExact(params.get(name).size());
      }
    }
    bounds[members.size()] = offset;
    return new Group(tag, members, members.indexOf(self), owners, layout, bounds);
  }

  /**
   * Whether this worker is the one holder of {@code name} that counts it in the global gradient norm and writes it
   * into checkpoints: its group's owner, and for a tied embedding stage 0's copy, not the last stage's.
   */
  boolean counts(String name) {
    if (tiedCopy && name.equals(ParamNames.EMBED)) return false;
    return groupOf(name).owns(name);
  }

  /** The parameters this worker's AdamW keeps moments for and updates: all with zero = 0, else the ones it owns. */
  List<String> updated() {
    return params.names().stream().filter(n -> zero == 0 || groupOf(n).owns(n)).toList();
  }

  /**
   * Sums each gradient over its copies: first the tied embedding's two (first and last stage of the same replica),
   * then over each data-parallel group, all-reduced (zero &lt;= 1: every copy ends with the full-batch gradient) or
   * reduce-scattered (zero = 2: each owner's copy does).
   */
  void reduceGradients(long step) {
    reducedStep = step;
    if (!tiedPair.isEmpty()) {
      float[] embed = params.get(ParamNames.EMBED).getGradient().toFloatArray();
      collective.allReduceSum(tiedPair, embed, epoch, step, "tied-embed");
      copyBack(List.of(ParamNames.EMBED), new int[] {0}, embed, n -> params.get(n).getGradient());
    }
    for (Group g : groups) {
      if (g.members().size() == 1) continue;
      float[] flat = flatten(g.layout(), n -> params.get(n).getGradient());
      if (zero == 2) {
        collective.reduceScatterSum(g.members(), flat, g.bounds(), epoch, step, g.tag());
        copyBack(g.layout(), offsets(g), flat, n -> g.owns(n) ? params.get(n).getGradient() : null);
      } else {
        collective.allReduceSum(g.members(), flat, epoch, step, g.tag());
        copyBack(g.layout(), offsets(g), flat, n -> params.get(n).getGradient());
      }
    }
  }

  /** With zero >= 1, after the owners' updates: every member takes the new values of what the others own. */
  void gatherUpdated() {
    if (zero == 0) return;
    try (NDScope scope = new NDScope()) {
      for (Group g : groups) {
        if (g.members().size() == 1) continue;
        float[] flat = new float[g.bounds()[g.members().size()]];
        List<String> own = g.layout().stream().filter(g::owns).toList();
        float[] mine = flatten(own, params::get);
        System.arraycopy(mine, 0, flat, g.bounds()[g.rank()], mine.length);
        collective.allGather(g.members(), flat, g.bounds(), epoch, reducedStep, g.tag() + "-params");
        copyBack(g.layout(), offsets(g), flat, n -> g.owns(n) ? null : params.get(n));
      }
    }
  }

  /**
   * Bytes of the weights, their gradients and the moments {@code optimizer} keeps: what parallel.zero shrinks.
   * Gradients count whole on every member: PyTorch keeps a parameter's gradient tensor between steps, so a non-owner's
   * copy under zero = 2 is not freed, only left unused.
   */
  long stateBytes(AdamW optimizer) {
    long weights = params.arrays().stream().mapToLong(ZeroSharding::bytes).sum();
    return 2 * weights + optimizer.moments().values().stream().mapToLong(ZeroSharding::bytes).sum();
  }

  private static long bytes(NDArray array) {
    return array.size() * array.getDataType().getNumOfBytes();
  }

  private Group groupOf(String name) {
    for (Group g : groups) if (g.owners().containsKey(name)) return g;
    throw new IllegalArgumentException("parameter '" + name + "' is in no data-parallel group of this worker");
  }

  /**
   * The tensors flattened into one vector on the device and copied to the host once; the device vector is freed at
   * once, not with the step's scope (it is as large as the group's parameters).
   */
  private static float[] flatten(List<String> names, Function<String, NDArray> tensor) {
    if (names.isEmpty()) return new float[0];
    NDList flattened = new NDList();
    for (String name : names) flattened.add(tensor.apply(name).reshape(-1));
    try (NDArray flat = NDArrays.concat(flattened)) {
      return flat.toFloatArray();
    }
  }

  /** Where each parameter of the group's layout starts in its vector. */
  private int[] offsets(Group g) {
    int[] offsets = new int[g.layout().size()];
    for (int i = 1; i < offsets.length; i++) {
      offsets[i] = offsets[i - 1] + Math.toIntExact(params.get(g.layout().get(i - 1)).size());
    }
    return offsets;
  }

  /**
   * Copies each named tensor's slice of {@code flat} into its target; a null target is skipped. Each slice's device
   * copy is freed as soon as it is copied, so no more than one parameter's is alive at a time.
   */
  private void copyBack(List<String> names, int[] offsets, float[] flat, Function<String, NDArray> target) {
    for (int i = 0; i < names.size(); i++) {
      NDArray into = target.apply(names.get(i));
      if (into == null) continue;
      FloatBuffer slice = FloatBuffer.wrap(flat, offsets[i], Math.toIntExact(into.size())).slice();
      try (NDArray source = manager.create(slice, into.getShape())) {
        Ops.copyInto(into, source);
      }
    }
  }
}

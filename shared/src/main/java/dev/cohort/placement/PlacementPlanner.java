package dev.cohort.placement;

import static dev.cohort.placement.PlacementError.require;

import dev.cohort.config.LoopConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.config.ParallelConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Plans a {@link Placement}: cuts the layers into pp stages of balanced cost and hands the stage replicas to the
 * workers, sorted by id so the same workers always get the same roles. Worker i of the sorted list runs stage
 * i / dp, replica i % dp.
 */
public final class PlacementPlanner {
  private PlacementPlanner() {}

  public static Placement plan(ModelConfig model, ParallelConfig parallel, List<WorkerId> workers, long epoch) {
    checkLayout(model, parallel);
    List<WorkerId> sorted = checkWorkers(parallel, workers);
    List<StageSpec> stages = splitStages(model, parallel.pp());
    List<List<WorkerId>> grid = new ArrayList<>();
    Map<WorkerId, Role> roles = new HashMap<>();
    for (StageSpec stage : stages) {
      List<WorkerId> replicas = sorted.subList(stage.index() * parallel.dp(), (stage.index() + 1) * parallel.dp());
      grid.add(replicas);
      for (int replica = 0; replica < parallel.dp(); replica++) {
        roles.put(replicas.get(replica), roleOf(model, parallel, stage, replica));
      }
    }
    return new Placement(epoch, parallel.pp(), parallel.dp(), parallel.ep(), stages, grid, roles);
  }

  private static void checkLayout(ModelConfig model, ParallelConfig parallel) {
    int pp = parallel.pp();
    int dp = parallel.dp();
    int ep = parallel.ep();
    int experts = model.moe().numExperts();
    require(pp > 0 && dp > 0 && ep > 0, "pp=" + pp + ", dp=" + dp + " and ep=" + ep + " must all be positive");
    require(pp <= model.numLayers(),
        "pp=" + pp + " exceeds num-layers=" + model.numLayers() + ": every pipeline stage needs at least one layer");
    int units = unitStarts(model).length - 1;
    require(pp <= units, "pp=" + pp + " exceeds the " + units + " units a pipeline can cut: looped layers ["
        + model.loop().start() + ", " + model.loop().end() + ") stay on one stage");
    require(dp % ep == 0, "ep=" + ep + " must divide dp=" + dp + ": a stage's replicas form dp/ep expert groups");
    require(ep == 1 || hasMoeLayer(model),
        "ep=" + ep + " needs MoE layers to spread experts over, but no layer is MoE (num-experts=" + experts
            + ", first-dense-layers=" + model.moe().firstDenseLayers() + ", num-layers=" + model.numLayers() + ")");
    require(ep == 1 || experts % ep == 0,
        "ep=" + ep + " must divide num-experts=" + experts + ": each ep rank owns an equal share of the experts");
  }

  private static List<WorkerId> checkWorkers(ParallelConfig parallel, List<WorkerId> workers) {
    Set<WorkerId> seen = new HashSet<>();
    for (WorkerId worker : workers) require(seen.add(worker), "duplicate worker id '" + worker + "'");
    require(workers.size() == parallel.workers(), "pp=" + parallel.pp() + " x dp=" + parallel.dp() + " needs "
        + parallel.workers() + " workers, " + workers.size() + " registered");
    return workers.stream().sorted().toList();
  }

  private static boolean hasMoeLayer(ModelConfig model) {
    return IntStream.range(0, model.numLayers()).anyMatch(model.moe()::isMoeLayer);
  }

  /**
   * Balances units rather than layers: each layer alone, except a looped block, which is one unit (its passes run
   * back to back on one process) costing its layers times its passes.
   */
  private static List<StageSpec> splitStages(ModelConfig model, int pp) {
    int[] unitStart = unitStarts(model);
    long[] unitCosts = new long[unitStart.length - 1];
    LoopConfig loop = model.loop();
    for (int u = 0; u < unitCosts.length; u++) {
      for (int i = unitStart[u]; i < unitStart[u + 1]; i++) unitCosts[u] += LayerCost.layer(model, i);
      if (loop.looped() && unitStart[u] == loop.start()) unitCosts[u] *= loop.times();
    }
    StageBalancer balancer = new StageBalancer(unitCosts, LayerCost.head(model));
    int[] cuts = balancer.cuts(pp);
    List<StageSpec> stages = new ArrayList<>();
    for (int s = 0; s < pp; s++) {
      stages.add(new StageSpec(s, unitStart[cuts[s]], unitStart[cuts[s + 1]], s == 0, s == pp - 1,
          balancer.cost(cuts[s], cuts[s + 1])));
    }
    return stages;
  }

  /** First layer of each unit, then num-layers. */
  private static int[] unitStarts(ModelConfig model) {
    LoopConfig loop = model.loop();
    return IntStream.rangeClosed(0, model.numLayers())
        .filter(i -> !loop.looped() || i <= loop.start() || i >= loop.end())
        .toArray();
  }

  private static Role roleOf(ModelConfig model, ParallelConfig parallel, StageSpec stage, int replica) {
    int ep = parallel.ep();
    int rank = replica % ep;
    boolean stageHasMoe = IntStream.range(stage.firstLayer(), stage.endLayer()).anyMatch(model.moe()::isMoeLayer);
    int share = model.moe().numExperts() / ep;
    List<Integer> experts =
        stageHasMoe ? IntStream.range(rank * share, (rank + 1) * share).boxed().toList() : List.of();
    return new Role(stage.index(), replica, replica / ep, rank, experts);
  }
}

package dev.cohort.worker.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.cohort.config.CohortConfig;
import dev.cohort.model.Autograd;
import dev.cohort.model.Parameters;
import dev.cohort.model.layout.ParamNames;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** AdamW against torch.optim.AdamW's formulas, written out by hand, over three steps. */
class AdamWTest {
  @Test
  void threeStepsMatchTorchAdamWFormulasWithDecayOnMatricesOnly() {
    CohortConfig config = CohortConfig.load(null, List.of("train.lr = 0.01", "train.weight-decay = 0.1",
        "train.eps = 1e-3"));
    double lr = 0.01;
    double wd = 0.1;
    double b1 = config.train().beta1();
    double b2 = config.train().beta2();
    double eps = 1e-3;
    double scale = 0.5;
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = new Parameters();
      String matrix = ParamNames.attention(0, "q_proj");
      String norm = ParamNames.inputNorm(0);
      Random random = new Random(3);
      double[][] w = {random.doubles(6).toArray(), random.doubles(3).toArray()};
      params.put(matrix, manager.create(w[0]).toType(DataType.FLOAT64, false));
      params.put(norm, manager.create(w[1]).toType(DataType.FLOAT64, false));
      params.requireGradients();
      AdamW adamW = new AdamW(config.train(), params);
      double[][] m = {new double[6], new double[3]};
      double[][] v = {new double[6], new double[3]};
      for (int t = 1; t <= 3; t++) {
        double[][] g = {random.doubles(6, -1, 1).toArray(), random.doubles(3, -1, 1).toArray()};
        setGradients(params, List.of(matrix, norm), g);
        adamW.step(lr, scale);
        for (int k = 0; k < 2; k++) {
          double decay = k == 0 ? wd : 0;
          for (int i = 0; i < w[k].length; i++) {
            double gi = g[k][i] * scale;
            m[k][i] = b1 * m[k][i] + (1 - b1) * gi;
            v[k][i] = b2 * v[k][i] + (1 - b2) * gi * gi;
            w[k][i] = w[k][i] * (1 - lr * decay)
                - lr / (1 - Math.pow(b1, t)) * m[k][i] / (Math.sqrt(v[k][i] / (1 - Math.pow(b2, t))) + eps);
          }
        }
        assertArrayEquals(w[0], params.get(matrix).toDoubleArray(), 1e-6, "matrix after step " + t);
        assertArrayEquals(w[1], params.get(norm).toDoubleArray(), 1e-6, "norm after step " + t);
      }
    }
  }

  /** Gives each parameter exactly gradient g by backpropagating sum(p * g). */
  private static void setGradients(Parameters params, List<String> names, double[][] g) {
    Autograd.zeroGradients(params.arrays());
    Autograd.record(true);
    for (int k = 0; k < names.size(); k++) {
      var p = params.get(names.get(k));
      Autograd.backward(p.mul(p.getManager().create(g[k])).sum());
    }
    Autograd.record(false);
  }
}

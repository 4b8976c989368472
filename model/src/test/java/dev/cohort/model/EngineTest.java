package dev.cohort.model;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A test of the model's tensors: a fresh manager per test, closed after it, and autograd not recording. */
public abstract class EngineTest {
  protected NDManager manager;

  @BeforeEach
  void openManager() {
    manager = NDManager.newBaseManager();
    Autograd.record(false);
  }

  @AfterEach
  void closeManager() {
    manager.close();
  }
}

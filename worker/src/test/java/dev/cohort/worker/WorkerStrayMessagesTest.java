package dev.cohort.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.config.CohortConfig;
import dev.cohort.protocol.CoordinatorProtocol.Gradients;
import dev.cohort.protocol.CoordinatorProtocol.Pong;
import dev.cohort.protocol.CoordinatorProtocol.Ready;
import dev.cohort.protocol.CoordinatorProtocol;
import dev.cohort.protocol.WorkerProtocol.ApplyUpdate;
import dev.cohort.protocol.WorkerProtocol.Assign;
import dev.cohort.protocol.WorkerProtocol.Ping;
import dev.cohort.protocol.WorkerProtocol.Restore;
import dev.cohort.protocol.WorkerProtocol.RunStep;
import dev.cohort.protocol.WorkerProtocol.SaveShard;
import dev.cohort.protocol.WorkerProtocol.Stop;
import dev.cohort.protocol.WorkerProtocol;
import dev.cohort.run.Corpora;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker serving one run and placement epoch drops what is meant for another run or epoch (a late message from
 * before a replan, a forged one) without answering it, and goes on serving: the next valid step gets its answer.
 */
class WorkerStrayMessagesTest {
  private static final String RUN = "run-1";
  private static final long EPOCH = 2;
  /** Long enough for a stray message to have been answered, were it answered. */
  private static final Duration SILENCE = Duration.ofSeconds(2);
  private static final Duration STEP_WITHIN = Duration.ofSeconds(120);

  @TempDir Path dir;
  private ActorTestKit kit;

  @AfterEach
  void shutDown() {
    if (kit != null) kit.shutdownTestKit();
  }

  private Config run() {
    return CohortConfig.hocon(Path.of("../conf/model/tiny.conf"), List.of("model.vocab-size = 50257",
        "data.seq-len = 32", "data.prepared = \"" + dir.resolve("brown") + "\"", "run.dir = \"" + dir.resolve("runs") + "\"",
        "train.micro-batch-size = 2", "train.grad-accum-steps = 1", "train.steps = 2", "train.threads = 1"));
  }

  @Test
  @Timeout(300)
  void messagesForAnotherRunOrEpochAreDroppedAndTheWorkerKeepsServing() {
    Config run = run();
    Corpora.openOrPrepare(CohortConfig.fromHocon(run)); // as the coordinator does before assigning
    kit = ActorTestKit.create("stray", ConfigFactory.parseString("""
        pekko.actor.provider = remote
        pekko.remote.artery.canonical.hostname = "127.0.0.1"
        pekko.remote.artery.canonical.port = 0
        """));
    ActorRef<WorkerProtocol.Command> worker = kit.spawn(Worker.create());
    TestProbe<CoordinatorProtocol.Command> coordinator = kit.createTestProbe();
    String workerId = kit.system().address().toString();
    worker.tell(new Assign(RUN, EPOCH, CohortConfig.render(run), List.of(workerId), List.of(worker),
        coordinator.getRef()));
    Ready ready = coordinator.expectMessageClass(Ready.class, STEP_WITHIN);

    worker.tell(new RunStep("another-run", EPOCH, 0, List.of()));
    worker.tell(new RunStep(RUN, EPOCH - 1, 0, List.of()));
    worker.tell(new ApplyUpdate(RUN, EPOCH + 1, 0, 0.1, 1.0));
    worker.tell(new SaveShard("another-run", EPOCH, 0, dir.resolve("ckpt").toString()));
    worker.tell(new Restore(RUN, EPOCH - 1, dir.resolve("ckpt").toString(), List.of(), 0));
    coordinator.expectNoMessage(SILENCE);

    worker.tell(new Ping(7, coordinator.getRef()));
    assertEquals(new Pong(7, workerId), coordinator.expectMessageClass(Pong.class));
    worker.tell(new RunStep(RUN, EPOCH, 0, List.of(ready.dataAddress())));
    Gradients gradients = coordinator.expectMessageClass(Gradients.class, STEP_WITHIN);
    assertEquals(0, gradients.step());
    worker.tell(new Stop(RUN));
  }
}

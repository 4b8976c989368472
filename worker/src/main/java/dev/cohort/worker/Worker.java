package dev.cohort.worker;

import dev.cohort.protocol.CoordinatorProtocol.Pong;
import dev.cohort.protocol.WorkerProtocol;
import dev.cohort.protocol.WorkerProtocol.Command;
import dev.cohort.protocol.WorkerProtocol.Ping;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/** One worker process's actor: announces itself to the coordinator through the receptionist and answers pings. */
public final class Worker {
  private Worker() {}

  public static Behavior<Command> create() {
    return Behaviors.setup(context -> {
      String workerId = context.getSystem().address().toString();
      context.getSystem().receptionist().tell(Receptionist.register(WorkerProtocol.SERVICE_KEY, context.getSelf()));
      context.getLog().info("worker {} registered", workerId);
      return serving(workerId);
    });
  }

  private static Behavior<Command> serving(String workerId) {
    return Behaviors.receive(Command.class)
        .onMessage(Ping.class, ping -> {
          ping.replyTo().tell(new Pong(ping.id(), workerId));
          return Behaviors.same();
        })
        .build();
  }
}

package dev.cohort.worker.align;

import java.util.Set;

/** One turn of a conversation: role "system", "user" or "assistant", and its text. */
public record Turn(String role, String content) {
  public static final String SYSTEM = "system";
  public static final String USER = "user";
  public static final String ASSISTANT = "assistant";
  static final Set<String> ROLES = Set.of(SYSTEM, USER, ASSISTANT);

  public static Turn user(String content) {
    return new Turn(USER, content);
  }

  public static Turn assistant(String content) {
    return new Turn(ASSISTANT, content);
  }
}

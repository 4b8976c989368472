package dev.cohort.worker.align;

import dev.cohort.config.ChatTemplateConfig;
import dev.cohort.data.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Renders conversations as tokens with the configured template (Llama 2's "[INST] ... [/INST]" by default). Each
 * turn is tokenized on its own, so the boundary between prompt and response is exact in tokens.
 */
public final class ChatTemplate {
  private final ChatTemplateConfig config;
  private final Tokenizer tokenizer;

  public ChatTemplate(ChatTemplateConfig config, Tokenizer tokenizer) {
    this.config = config;
    this.tokenizer = tokenizer;
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  public Tokenized render(List<Turn> turns) {
    Tokenized out = new Tokenized(new int[0], new boolean[0]);
    for (Turn turn : turns) out = out.followedBy(turn(turn));
    return out;
  }

  /** One turn: an assistant's is all response (with end-of-text when configured), any other's all prompt. */
  public Tokenized turn(Turn turn) {
    boolean assistant = turn.role().equals(Turn.ASSISTANT);
    List<Integer> ids = new ArrayList<>();
    for (int id : tokenizer.encode(format(turn.role()).replace(ChatTemplateConfig.CONTENT, turn.content()))) {
      ids.add(id);
    }
    if (assistant && config.endOfText()) ids.add(tokenizer.endOfText());
    int[] tokens = ids.stream().mapToInt(Integer::intValue).toArray();
    boolean[] response = new boolean[tokens.length];
    Arrays.fill(response, assistant);
    return new Tokenized(tokens, response);
  }

  private String format(String role) {
    return switch (role) {
      case Turn.SYSTEM -> config.system();
      case Turn.USER -> config.user();
      case Turn.ASSISTANT -> config.assistant();
      default -> throw new IllegalArgumentException("unknown role '" + role + "'");
    };
  }
}

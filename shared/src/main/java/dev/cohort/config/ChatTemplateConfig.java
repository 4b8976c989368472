package dev.cohort.config;

/**
 * Renders one conversation turn as text: each format holds "{content}" where the turn's text goes. The defaults are
 * Llama 2's [INST] markers. Only the assistant's turns (and the end-of-text token after each) carry loss.
 *
 * @param system format of a system turn
 * @param user format of a user turn (a prompt)
 * @param assistant format of an assistant turn (a response)
 * @param endOfText append the tokenizer's end-of-text token after every assistant turn, so the model learns to stop
 */
public record ChatTemplateConfig(String system, String user, String assistant, boolean endOfText) {
  public static final String CONTENT = "{content}";

  void validate(String path) {
    Check.that(system.contains(CONTENT), path + ".system", "must contain " + CONTENT);
    Check.that(user.contains(CONTENT), path + ".user", "must contain " + CONTENT);
    Check.that(assistant.contains(CONTENT), path + ".assistant", "must contain " + CONTENT);
  }
}

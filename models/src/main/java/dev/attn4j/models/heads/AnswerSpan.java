package dev.attn4j.models.heads;

/**
 * The best answer span of extractive question answering. Immutable.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param startToken first token of the answer (inclusive), an index into the encoded row
 * @param endToken last token of the answer (inclusive)
 * @param score {@code start_logit + end_logit}
 * @param charStart first char of the answer in the context
 * @param charEnd one past its last char
 * @param answer {@code context.substring(charStart, charEnd)}
 */
public record AnswerSpan(int startToken, int endToken, double score, int charStart, int charEnd, String answer) {}

package dev.attn4j.models.heads;

/**
 * A run of tokens that token classification labels as one entity (Hugging Face's "simple" aggregation), e.g. the
 * tokens {@code B-PER I-PER} of "Ada Lovelace". Immutable.
 *
 * <p>Stability: experimental since 0.3.
 *
 * @param group the entity type: the label without its {@code B-} / {@code I-} prefix ({@code PER})
 * @param text the entity's characters in the input text (its own segment's text for a pair)
 * @param segment 0 for the first text, 1 for the second of a pair
 * @param start first character, as a UTF-16 index into that text
 * @param end one past the last character
 * @param score the mean of its tokens' probabilities
 * @param firstToken index of its first token in the encoding
 * @param lastToken index of its last token
 */
public record Entity(String group, String text, int segment, int start, int end, double score, int firstToken, int lastToken) {}

package dev.attn4j.models.heads;

/**
 * One candidate of a fill-mask or classification result. Immutable.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param id token or class id
 * @param label its token string or class label
 * @param probability softmax probability over the whole row
 * @param logit the raw score
 */
public record Prediction(int id, String label, double probability, double logit) {}
